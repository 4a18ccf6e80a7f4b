import Figures
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A few files for one folder, written whole or not at all: each is written into a staging
/// folder beside the destination (`.NAME.reconcile-new-PID`, removed if the process is
/// interrupted), and only ``commit()`` puts them in place — the staging folder renamed to the
/// destination when it does not exist yet, else each file renamed over its namesake (other
/// files of the folder are left alone). A run that fails before the commit leaves nothing; a
/// file is never seen half written. (`trajectory --emit-stan DIR`.)
public final class StagedFiles {
  /// The destination folder, as given.
  public let destination: String
  private var folder: StagingFolder
  private var staging: String { folder.path }
  private var names: [String] = []
  private var done = false

  /// Prepares a staging folder beside `folder`.
  /// - Throws: `OutputError` (exit 73) when `folder` exists and is not a folder, or the staging
  ///   folder cannot be made.
  public init(_ folder: String) throws(OutputError) {
    let trimmed = FilePath.withoutTrailingSlashes(folder)
    let name = FilePath.lastComponent(trimmed)
    guard !trimmed.isEmpty, !["", ".", "..", "/"].contains(name) else {
      throw OutputError(path: folder.isEmpty ? "(empty path)" : folder, reason: "give a folder to write the files into")
    }
    var info = stat()
    if stat(trimmed, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR {
      throw OutputError(path: folder, reason: "exists and is not a folder")
    }
    var parent = FilePath.deletingLastComponent(trimmed)
    if parent.isEmpty { parent = "." }
    do {
      try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    } catch {
      throw OutputError(path: folder, reason: "cannot create folder \(parent)")
    }
    destination = trimmed
    self.folder = try StagingFolder(destination: trimmed, parent: parent, name: name, shown: folder)
  }

  deinit { if !done { abandon() } }

  /// Writes `text` as the file `name` (no slash) into the staging folder (written, synced
  /// and closed as the report's files are: ``Spool/assemble(_:to:)``).
  public func write(_ text: String, to name: String) throws(OutputError) {
    let spool = Spool(memoryLimit: Int.max)
    try spool.append(text)
    do {
      try Spool.assemble([spool], to: FilePath.appending(staging, name))
    } catch {
      throw OutputError(path: FilePath.appending(destination, name), reason: error.reason)
    }
    names.append(name)
  }

  /// Puts the files in place: the staging folder becomes the destination when there is none;
  /// otherwise each file is renamed over its namesake in it, and the staging folder removed.
  public func commit() throws(OutputError) {
    var info = stat()
    if lstat(destination, &info) != 0 {
      guard rename(staging, destination) == 0 else {
        throw OutputError(path: destination, reason: systemErrorMessage(errno))
      }
    } else {
      for name in names {
        guard rename(FilePath.appending(staging, name), FilePath.appending(destination, name)) == 0 else {
          throw OutputError(path: FilePath.appending(destination, name), reason: systemErrorMessage(errno))
        }
      }
      removeTree(staging)
    }
    done = true
    folder.release()
  }

  /// Removes the staging folder and what it holds (the run failed).
  public func abandon() {
    folder.remove()
    done = true
  }
}
