import CFormat
import Figures
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The output folder of `reconcile report`, replaced whole or not at all.
///
/// The new report is written into a fresh staging folder beside the destination
/// (`.NAME.reconcile-new-PID`), and only when every file is written is it swapped in: with one
/// atomic `renameat2(RENAME_EXCHANGE)` where the system has it (the old report then leaves
/// through the staging name and is removed), else by two renames. A run that fails (exit 65,
/// 73…) or is interrupted by a signal it can catch removes the staging folder and leaves the
/// previous report as it was. A staging folder left by a process that no longer exists (killed
/// with SIGKILL, or a machine that lost power) is removed by the next run.
///
/// The destination may be new, empty, or a previous report (it holds an `index.md`,
/// `index.html` or a shard's `index-K-of-N.md`); any other existing folder is refused, since
/// the swap replaces the folder whole. A destination that is a
/// symbolic link is resolved: the report replaces the folder it points to, and the link stays.
public final class ReportFolder {
  /// The folder the report goes to, symbolic links resolved.
  public let destination: String
  /// The staging folder the files are written into.
  public var staging: String { folder.path }
  private var folder: StagingFolder
  /// The folder holding both.
  private let parent: String
  private var committed = false

  /// Prepares a staging folder for `path`.
  /// - Throws: `OutputError` (exit 73) when `path` is empty, exists and is not a folder, is a
  ///   folder holding something other than a report, or the staging folder cannot be made.
  public init(_ path: String) throws(OutputError) {
    guard !path.isEmpty else { throw OutputError(path: "(empty path)", reason: "the output folder must be named") }
    var resolved = FilePath.withoutTrailingSlashes(path)
    if let real = Self.realPath(resolved) { resolved = real }
    let name = FilePath.lastComponent(resolved)
    guard !["", ".", "..", "/"].contains(name) else {
      throw OutputError(
        path: path, reason: "give a folder to create or replace, not \(name.isEmpty ? "the root" : name)")
    }
    var parent = FilePath.deletingLastComponent(resolved)
    if parent.isEmpty { parent = "." }
    do {
      try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    } catch {
      throw OutputError(path: path, reason: "cannot create folder \(parent)")
    }
    var info = stat()
    if lstat(resolved, &info) == 0 {
      guard (info.st_mode & S_IFMT) == S_IFDIR else {
        throw OutputError(path: path, reason: "exists and is not a folder")
      }
      guard Self.isReplaceable(resolved) else {
        throw OutputError(
          path: path,
          reason:
            "the folder holds files that are not a reconcile report; the report replaces its folder whole, so give a new or empty folder"
        )
      }
    }
    destination = resolved
    self.parent = parent
    folder = try StagingFolder(destination: resolved, parent: parent, name: name, shown: path)
  }

  deinit { if !committed { abandon() } }

  /// The path of `relative` inside the staging folder.
  public func path(_ relative: String) -> String { FilePath.appending(staging, relative) }

  /// Creates the folder `relative` (and its parents) inside the staging folder.
  /// Only folders below the staging folder are made, one at a time: once the staging folder
  /// is gone (the run was interrupted), nothing recreates it.
  public func makeFolder(_ relative: String) throws(OutputError) {
    var current = staging
    for part in relative.split(separator: "/") where !part.isEmpty {
      current = FilePath.appending(current, String(part))
      if mkdir(current, 0o755) != 0 && errno != EEXIST {
        throw OutputError(
          path: FilePath.appending(destination, relative),
          reason: "cannot create the folder: \(systemErrorMessage(errno))")
      }
    }
  }

  /// Writes `text` to `relative` inside the staging folder, creating its folder.
  public func write(_ text: String, to relative: String) throws(OutputError) {
    let spool = Spool(memoryLimit: Int.max)
    try spool.append(text)
    try write([spool], to: relative)
  }

  /// Writes the concatenation of `spools` to `relative` inside the staging folder.
  func write(_ spools: [Spool], to relative: String) throws(OutputError) {
    let folder = FilePath.deletingLastComponent(relative)
    if !folder.isEmpty { try makeFolder(folder) }
    do {
      try Spool.assemble(spools, to: path(relative))
    } catch {
      throw OutputError(path: FilePath.appending(destination, relative), reason: error.reason)
    }
  }

  /// Swaps the finished report in for whatever the destination held.
  public func commit() throws(OutputError) {
    var info = stat()
    if lstat(destination, &info) != 0 {
      guard rename(staging, destination) == 0 else {
        throw OutputError(path: destination, reason: systemErrorMessage(errno))
      }
    } else if Self.exchange(staging, destination) {
      // The old report is now under the staging name.
      removeTree(staging)
    } else {
      let old = FilePath.appending(parent, ".\(FilePath.lastComponent(destination)).reconcile-old-\(getpid())")
      removeTree(old)
      guard rename(destination, old) == 0 else {
        throw OutputError(path: destination, reason: systemErrorMessage(errno))
      }
      guard rename(staging, destination) == 0 else {
        let reason = systemErrorMessage(errno)
        _ = rename(old, destination)
        throw OutputError(path: destination, reason: reason)
      }
      removeTree(old)
    }
    committed = true
    folder.release()
  }

  /// Removes the staging folder (the run failed).
  public func abandon() { folder.remove() }

  /// Atomically exchanges two paths (Linux `renameat2` with `RENAME_EXCHANGE`); false where
  /// the system or file system cannot.
  static func exchange(_ a: String, _ b: String) -> Bool {
    reconcile_exchange_paths(a, b) == 0
  }

  /// Whether an existing folder may be replaced: empty, or a report.
  static func isReplaceable(_ folder: String) -> Bool {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
    if names.isEmpty { return true }
    let set = Set(names)
    return set.contains("index.md") || set.contains("index.html")
      || names.contains { $0.hasPrefix("index-") && $0.hasSuffix(".md") }
  }

  /// Removes staging and old folders of `name` left in `parent` by processes that no longer
  /// exist.
  static func removeStale(beside destination: String, parent: String, name: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
    for entry in names {
      for kind in [".reconcile-new-", ".reconcile-old-"] {
        let prefix = ".\(name)\(kind)"
        guard entry.hasPrefix(prefix),
          let pid = Int32(entry.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber })
        else { continue }
        if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
          removeTree(FilePath.appending(parent, entry))
        }
      }
    }
  }

  /// The canonical path of an existing file or folder (`realpath`), nil when it does not exist.
  public static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// The canonical form of a path that may not exist yet: its deepest existing ancestor
  /// resolved, the rest appended as written (`.` and `..` applied).
  public static func canonicalPath(_ path: String) -> String {
    let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    if let real = realPath(absolute) { return real }
    var parts: [String] = []
    for p in absolute.split(separator: "/") {
      if p == "." { continue }
      if p == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(String(p))
    }
    var head = parts
    var tail: [String] = []
    while !head.isEmpty {
      if let real = realPath("/" + head.joined(separator: "/")) {
        return ([real == "/" ? "" : real] + tail).joined(separator: "/")
      }
      tail.insert(head.removeLast(), at: 0)
    }
    return "/" + tail.joined(separator: "/")
  }

  /// Whether `inner` is `outer` or lies inside it (both canonical).
  public static func contains(_ outer: String, _ inner: String) -> Bool {
    inner == outer || inner.hasPrefix(outer.hasSuffix("/") ? outer : outer + "/")
  }
}
