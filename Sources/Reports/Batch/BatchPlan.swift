import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which datasets one `reconcile report` run computes, and under which folder names.
///
/// The datasets are the expanded input files sorted by path. Folder names are given over the
/// *whole* sorted list (``ReportBuilder/folderNames(_:)``: file stem, `_2`, `_3` for repeats)
/// before the list is cut into shards, so a dataset gets the same folder in every shard
/// layout and shard outputs merge by copying without clashes.
public struct BatchPlan: Sendable, Hashable {
  /// One dataset of the run.
  public struct Item: Sendable, Hashable {
    /// The path as given (expanded from folders).
    public var path: String
    /// The folder name under the output folder.
    public var name: String
    /// The shard key: the path relative to the current folder.
    public var key: String
  }

  /// The shard this plan computes.
  public var shard: Shard
  /// The datasets of this shard, sorted by path.
  public var items: [Item]
  /// How many datasets the whole batch has.
  public var total: Int

  /// Plans the run of `shard` over `paths` (files, already expanded from folders).
  ///
  /// - Parameter cwd: the folder relative to which shard keys are taken (default: the
  ///   process's current folder).
  /// - Parameter reserved: names the datasets' folders must not take (the claims folder).
  public init(
    paths: [String], shard: Shard = .all, cwd: String = FileManager.default.currentDirectoryPath,
    reserved: [String] = []
  ) {
    let keyed = paths.map { (path: $0, key: Shard.key(for: $0, relativeTo: cwd)) }
      .sorted { $0.key != $1.key ? $0.key < $1.key : $0.path < $1.path }
    let names = ReportBuilder.folderNames(keyed.map(\.path), reserved: reserved)
    var items: [Item] = []
    for (k, name) in zip(keyed, names) where shard.contains(key: k.key) {
      items.append(Item(path: k.path, name: name, key: k.key))
    }
    self.shard = shard
    self.items = items
    self.total = paths.count
  }

  /// The index page's file name: `index.md` for the whole batch, `index-K-of-N.md` for a
  /// shard. A shard's index lists only its own datasets, and distinct names let shard folders
  /// be merged by copying without one index overwriting another; the merged folder then has
  /// one partial index per shard (rerun unsharded for a single `index.md`).
  public var indexFileName: String {
    shard.isWhole ? "index.md" : "index-\(shard.index)-of-\(shard.count).md"
  }
}
