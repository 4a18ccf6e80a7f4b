#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where the byte writers of large outputs (``NumberFormat``'s `append…`, ``CSVWriter``'s
/// `appendField`) put their bytes: a `[UInt8]`, or a ``RawBytes`` buffer (which is not
/// copyable: generic writers take `Out: ByteAppender & ~Copyable`).
protocol ByteAppender: ~Copyable {
  mutating func append(_ byte: UInt8)
  mutating func append(bytes: UnsafeBufferPointer<UInt8>)
  /// Appends what `body` writes into room for at most `limit` bytes; `body` returns the count.
  mutating func append(atMost limit: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int)
}

extension ByteAppender where Self: ~Copyable {
  /// Appends a string's UTF-8 bytes.
  mutating func append(string: String) {
    var s = string
    s.withUTF8 { append(bytes: $0) }
  }

  /// Appends a literal's UTF-8 bytes.
  mutating func append(static text: StaticString) {
    text.withUTF8Buffer { append(bytes: $0) }
  }
}

extension Array: ByteAppender where Element == UInt8 {
  mutating func append(bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }

  mutating func append(atMost limit: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
    // Scratch on the stack (the callers write a few dozen bytes), then one append.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Swift.max(limit, 1)) { scratch in
      guard let base = scratch.baseAddress else { return }
      append(contentsOf: UnsafeBufferPointer(start: base, count: body(base)))
    }
  }
}

/// A growable byte buffer written through a pointer: an append is a bounds check and a store,
/// with none of an array's per-call uniqueness checks. It cannot be copied (a copy would share
/// the storage), and it frees its storage when it goes out of use.
struct RawBytes: ByteAppender, ~Copyable {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int) {
    self.capacity = max(capacity, 64)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  /// Makes room for `n` more bytes.
  @inline(__always)
  mutating func reserve(_ n: Int) {
    if count &+ n > capacity { grow(count + n) }
  }

  private mutating func grow(_ needed: Int) {
    let larger = max(needed, capacity * 2)
    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
    bigger.update(from: base, count: count)
    base.deallocate()
    base = bigger
    capacity = larger
  }

  @inline(__always)
  mutating func append(_ byte: UInt8) {
    reserve(1)
    base[count] = byte
    count &+= 1
  }

  @inline(__always)
  mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
    guard let from = bytes.baseAddress else { return }
    let n = bytes.count
    reserve(n)
    if n <= 16 {
      // Cells are mostly short: a loop beats a call to memmove.
      for i in 0..<n { base[count &+ i] = from[i] }
    } else {
      (base + count).update(from: from, count: n)
    }
    count &+= n
  }

  @inline(__always)
  mutating func append(atMost limit: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
    reserve(limit)
    count &+= body(base + count)
  }

  /// Removes the byte at `index`, moving the rest back by one.
  mutating func dropByte(at index: Int) {
    guard index >= 0 && index < count else { return }
    (base + index).update(from: base + index + 1, count: count - index - 1)
    count -= 1
  }

  /// The bytes written so far; valid while the buffer lives and is not appended to.
  var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}

/// A `TextOutputStream` onto any ``ByteAppender`` (`Double.write(to:)` hands over its digits
/// with `_writeASCII`; the protocol needs a copyable stream, which ``RawBytes`` is not).
struct AppenderStream<Out: ByteAppender & ~Copyable>: TextOutputStream {
  /// The appender written to, alive for as long as the stream is used.
  let target: UnsafeMutablePointer<Out>

  mutating func write(_ string: String) { target.pointee.append(string: string) }

  mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { target.pointee.append(bytes: buffer) }
}
