import CScan

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file opened for reading with read(2) and pread(2), closed when released.
final class ChunkedFile {
  private let fd: Int32
  /// The file's size when opened.
  let size: Int

  /// Opens a regular file; `nil` when it cannot be opened or is not a regular file (the
  /// caller then lets the whole-file reader report why).
  init?(path: String) {
    let fd = open(path, O_RDONLY)
    if fd < 0 { return nil }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      return nil
    }
    self.fd = fd
    size = Int(info.st_size)
  }

  deinit { close(fd) }

  /// Fills `buffer` from file offset `offset`; false on an I/O error or an early end.
  func readAll(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Bool {
    let (n, error) = readFully(fd, into: buffer, at: offset)
    return error == 0 && n == buffer.count
  }

  /// Reads up to `count` bytes at file offset `offset` into `buffer`; the number read, 0 at
  /// the end of the file, or `nil` on an I/O error.
  func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Int? {
    while true {
      let n = pread(fd, buffer, count, off_t(offset))
      if n >= 0 { return n }
      if errno != EINTR { return nil }
    }
  }
}

/// A run of whole CSV records inside a round's buffer.
struct RecordBlock {
  /// The records' bytes (the block may rewrite them in place, e.g. to undo `""` escapes).
  var bytes: UnsafeMutableBufferPointer<UInt8>
  /// The file offset of `bytes[0]`.
  var fileOffset: Int
}

/// Why a scan stopped before the end of the file.
enum ScanStop: Error {
  /// A read failed.
  case io
  /// A single record is longer than the scanner's limit (e.g. an unterminated quote).
  case recordTooLong
  /// The block processor asked to stop.
  case stopped
}

/// Reads a CSV file from a record boundary to its end in rounds of about `roundSize` bytes,
/// each cut into `parts` blocks of whole records.
///
/// Record ends are found by quote parity: an LF outside quotes ends a record. This is exact
/// for files that follow RFC 4180 (a `""` escape toggles twice); in a file with a stray quote
/// the cut may fall inside a record, but the block parser then meets the stray quote or an
/// unterminated field and reports the block as unusual.
///
/// Memory: the buffer holds one round plus the unfinished record carried to the next; it
/// grows only for a record longer than a round, up to `maxRecord` bytes.
struct ChunkedCSVScanner {
  var roundSize: Int
  var parts: Int
  var maxRecord: Int

  /// Calls `process` with each round's blocks in file order, until the end of the file or
  /// until `process` returns false.
  func scan(
    _ file: ChunkedFile, from startOffset: Int,
    _ process: ([RecordBlock]) -> Bool
  ) throws(ScanStop) {
    var capacity = max(roundSize, 1)
    var buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    var filled = 0
    var offset = startOffset  // file offset of buffer[0]
    var eof = false
    while true {
      while filled < capacity && !eof {
        guard let base = buffer.baseAddress,
          let n = file.read(
            into: UnsafeMutableRawPointer(base + filled), count: capacity - filled,
            at: offset + filled)
        else { throw .io }
        if n == 0 { eof = true } else { filled += n }
      }
      if filled == 0 { return }
      let cuts = Self.cutPoints(UnsafeBufferPointer(buffer), filled, parts)
      let end = eof ? filled : (cuts.last ?? 0)
      if end == 0 {
        // No record ends in the buffer: it holds part of one long record.
        if capacity >= maxRecord { throw .recordTooLong }
        let bigger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: min(capacity * 2, maxRecord))
        _ = bigger.initialize(from: buffer[0..<filled])
        buffer.deallocate()
        buffer = bigger
        capacity = bigger.count
        continue
      }
      // At most `parts` blocks: the last one ends at `end` (the end of the file, there).
      var bounds = cuts
      bounds[bounds.count - 1] = end
      var blocks: [RecordBlock] = []
      var from = 0
      for cut in bounds where cut > from && cut <= end {
        blocks.append(
          RecordBlock(bytes: UnsafeMutableBufferPointer(rebasing: buffer[from..<cut]), fileOffset: offset + from))
        from = cut
      }
      if !process(blocks) { throw .stopped }
      if eof { return }
      let rest = filled - end
      if rest > 0, let base = buffer.baseAddress {
        (base).update(from: base + end, count: rest)
      }
      filled = rest
      offset += end
    }
  }

  /// For each of `parts` equal slices of `b[0..<count]`, the offset just after the last
  /// record-ending LF (outside quotes) at or before the slice's end; 0 where there is none.
  /// The last entry is the end of the last whole record in the buffer.
  static func cutPoints(_ b: UnsafeBufferPointer<UInt8>, _ count: Int, _ parts: Int) -> [Int] {
    var cuts: [Int] = []
    let parts = max(parts, 1)
    var quoted: Int32 = 0
    var lastEnd = 0
    var sliceStart = 0
    guard let base = b.baseAddress else { return [Int](repeating: 0, count: parts) }
    for k in 1...parts {
      let sliceEnd = k == parts ? count : count / parts * k
      if sliceEnd > sliceStart {
        let end = reconcile_last_record_end(base + sliceStart, sliceEnd - sliceStart, &quoted)
        if end > 0 { lastEnd = sliceStart + end }
        sliceStart = sliceEnd
      }
      cuts.append(lastEnd)
    }
    return cuts
  }
}
