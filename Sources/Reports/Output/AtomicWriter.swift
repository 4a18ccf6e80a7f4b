import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Output that could not be written (exit code 73).
public struct OutputError: Error, Sendable, CustomStringConvertible {
  /// The path that could not be written.
  public var path: String
  /// Why.
  public var reason: String
  /// Creates an error.
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
  public var description: String { "\(path): error: cannot write output: \(reason)" }
}

/// Writes files so that a reader sees either the old file or the complete new one.
///
/// The content goes to a temporary file in the same folder, is flushed, and is renamed over
/// the destination (rename(2) is atomic within a file system).
public enum AtomicWriter {
  /// Writes `text` (UTF-8) to `path` atomically, creating parent folders.
  /// - Throws: `OutputError` when the folder cannot be created or the file cannot be written.
  public static func write(_ text: String, to path: String) throws(OutputError) {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    } catch {
      throw OutputError(path: path, reason: "cannot create folder \(dir.path)")
    }
    let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    guard FileManager.default.createFile(atPath: tmp.path, contents: Data(text.utf8)) else {
      throw OutputError(path: path, reason: "cannot create \(tmp.path)")
    }
    if rename(tmp.path, path) != 0 {
      let reason = String(cString: strerror(errno))
      unlink(tmp.path)
      throw OutputError(path: path, reason: reason)
    }
  }
}
