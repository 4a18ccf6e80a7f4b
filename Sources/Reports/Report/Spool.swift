import Figures
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One part of an output file written in pieces: bytes appended in order, held in memory up
/// to `memoryLimit` and past it moved to an unlinked temporary file (``anonymousTemporaryFile``),
/// so that a report section of any length takes a bounded amount of memory and leaves nothing
/// behind however the process ends.
///
/// A report file is the concatenation of several spools (its head, then one spool per kind of
/// section), assembled once every quantity is done by ``Spool/assemble(_:to:)``.
final class Spool {
  private var buffer: [UInt8] = []
  private var fd: Int32 = -1
  private var onDisk = 0
  private let memoryLimit: Int
  /// How many bytes were appended in all.
  private(set) var count = 0

  /// - Parameter memoryLimit: bytes kept in memory before they go to a temporary file
  ///   (`Int.max`: never).
  init(memoryLimit: Int = 1 << 20) { self.memoryLimit = memoryLimit }

  deinit { if fd >= 0 { close(fd) } }

  /// Appends UTF-8 text.
  func append(_ text: String) throws(OutputError) {
    buffer.append(contentsOf: text.utf8)
    count += text.utf8.count
    if buffer.count >= memoryLimit { try flush() }
  }

  /// Appends bytes.
  func append(_ bytes: [UInt8]) throws(OutputError) {
    buffer.append(contentsOf: bytes)
    count += bytes.count
    if buffer.count >= memoryLimit { try flush() }
  }

  private func flush() throws(OutputError) {
    if fd < 0 {
      guard let made = anonymousTemporaryFile(prefix: "reconcile-report") else {
        throw OutputError(
          path: "(temporary file)", reason: "cannot create a temporary file: \(systemErrorMessage(errno))")
      }
      fd = made
    }
    let ok = buffer.withUnsafeBufferPointer { writeAll($0, to: fd, at: onDisk) }
    guard ok else { throw OutputError(path: "(temporary file)", reason: systemErrorMessage(errno)) }
    onDisk += buffer.count
    buffer.removeAll(keepingCapacity: true)
  }

  /// Everything appended, in order, passed to `sink` in pieces of at most 1 MB.
  func forEachPiece(_ sink: (UnsafeBufferPointer<UInt8>) throws(OutputError) -> Void) throws(OutputError) {
    if onDisk > 0 {
      var chunk = [UInt8](repeating: 0, count: min(onDisk, 1 << 20))
      var offset = 0
      while offset < onDisk {
        let wanted = min(chunk.count, onDisk - offset)
        let (n, error) = chunk.withUnsafeMutableBytes {
          readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted]), at: offset)
        }
        guard n == wanted else {
          throw OutputError(path: "(temporary file)", reason: "cannot read back: \(systemErrorMessage(error))")
        }
        try chunk.withUnsafeBufferPointer { (b) throws(OutputError) in try sink(UnsafeBufferPointer(rebasing: b[0..<n]))
        }
        offset += n
      }
    }
    try buffer.withUnsafeBufferPointer { (b) throws(OutputError) in try sink(b) }
  }

  /// The bytes appended (for outputs kept in memory).
  var bytes: [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    try? forEachPiece { out.append(contentsOf: $0) }
    return out
  }

  /// The concatenation of `spools` written to the new file `path` (created, or truncated).
  /// - Throws: `OutputError` with the system's reason ("No space left on device").
  static func assemble(_ spools: [Spool], to path: String) throws(OutputError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw OutputError(path: path, reason: systemErrorMessage(errno)) }
    var closed = false
    defer { if !closed { close(fd) } }
    for s in spools {
      try s.forEachPiece { (piece) throws(OutputError) in
        guard writeAll(piece, to: fd) else { throw OutputError(path: path, reason: systemErrorMessage(errno)) }
      }
    }
    closed = true
    // A full disk or quota may show only when the data is flushed.
    if fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
      let e = errno
      close(fd)
      throw OutputError(path: path, reason: systemErrorMessage(e))
    }
    guard close(fd) == 0 else { throw OutputError(path: path, reason: systemErrorMessage(errno)) }
  }
}
