import Dispatch
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A JSON value with ordered object keys, so output is byte-identical run after run.
public enum JSON: Sendable, Equatable {
  /// `null` — a value that does not exist.
  case null
  /// `true` / `false`.
  case bool(Bool)
  /// A number; non-finite values are written as `null`.
  case number(Double)
  /// An integer.
  case int(Int)
  /// A string.
  case string(String)
  /// An array.
  case array([JSON])
  /// An object; keys are written in the order given.
  case object([(String, JSON)])

  public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }

  /// A number, or `null` when the optional is nil or the value is not finite.
  public static func num(_ x: Double?) -> JSON {
    guard let x, x.isFinite else { return .null }
    return .number(x)
  }

  /// A string, or `null` when nil.
  public static func str(_ s: String?) -> JSON {
    guard let s else { return .null }
    return .string(s)
  }

  /// Serialises with two-space indentation; numbers in the shortest form that round-trips a Double.
  ///
  /// Everything is appended to one growing byte buffer: numbers through `write(to:)` (the same
  /// digits as `description`, without a String per value), indentation and string literals
  /// in place.
  public func serialized(indent: Int = 0, pretty: Bool = true) -> String {
    var out = JSONSink()
    out.bytes.reserveCapacity(256)
    write(into: &out, indent: indent, pretty: pretty)
    return String(decoding: out.bytes, as: UTF8.self)
  }

  /// Serialises as ``serialized(indent:pretty:)`` does, except that an object or array whose
  /// members are all plain values (numbers, strings, booleans, null, empty containers, or
  /// arrays of plain values) is written on one line, `{"id": "a", "low": 1}`: one line per
  /// source or table row, a third of the pretty form's size, as readable.
  public func serializedInline(indent: Int = 0) -> String {
    var out = JSONSink()
    out.bytes.reserveCapacity(256)
    writeInline(into: &out, indent: indent)
    return String(decoding: out.bytes, as: UTF8.self)
  }

  /// Whether the value is written on one line by ``serializedInline(indent:)``.
  var isFlat: Bool {
    switch self {
    case .null, .bool, .number, .int, .string: return true
    case .array(let items): return items.allSatisfy { $0.isScalar || $0.isEmptyContainer }
    case .object(let members):
      return members.allSatisfy { $0.1.isScalar || $0.1.isEmptyContainer || ($0.1.isFlatArray) }
    }
  }

  private var isScalar: Bool {
    switch self {
    case .null, .bool, .number, .int, .string: return true
    default: return false
    }
  }

  private var isEmptyContainer: Bool {
    switch self {
    case .array(let items): return items.isEmpty
    case .object(let members): return members.isEmpty
    default: return false
    }
  }

  private var isFlatArray: Bool {
    if case .array(let items) = self { return items.allSatisfy(\.isScalar) }
    return false
  }

  private func writeInline<Out: ByteAppender & ~Copyable>(into out: inout Out, indent: Int) {
    if isFlat {
      writeOneLine(into: &out)
      return
    }
    switch self {
    case .array(let items):
      out.append(static: "[\n")
      for k in items.indices {
        JSON.pad(&out, indent + 1)
        items[k].writeInline(into: &out, indent: indent + 1)
        if k + 1 < items.count { out.append(static: ",") }
        out.append(0x0A)
      }
      JSON.pad(&out, indent)
      out.append(static: "]")
    case .object(let members):
      out.append(static: "{\n")
      for k in members.indices {
        JSON.pad(&out, indent + 1)
        JSON.quote(members[k].0, into: &out)
        out.append(static: ": ")
        members[k].1.writeInline(into: &out, indent: indent + 1)
        if k + 1 < members.count { out.append(static: ",") }
        out.append(0x0A)
      }
      JSON.pad(&out, indent)
      out.append(static: "}")
    default:
      write(into: &out, indent: indent, pretty: false)
    }
  }

  /// One line, with a space after each comma and colon.
  private func writeOneLine<Out: ByteAppender & ~Copyable>(into out: inout Out) {
    switch self {
    case .array(let items) where !items.isEmpty:
      out.append(static: "[")
      for k in items.indices {
        if k > 0 { out.append(static: ", ") }
        items[k].writeOneLine(into: &out)
      }
      out.append(static: "]")
    case .object(let members) where !members.isEmpty:
      out.append(static: "{")
      for k in members.indices {
        if k > 0 { out.append(static: ", ") }
        JSON.quote(members[k].0, into: &out)
        out.append(static: ": ")
        members[k].1.writeOneLine(into: &out)
      }
      out.append(static: "}")
    default:
      write(into: &out, indent: 0, pretty: false)
    }
  }

  /// The UTF-8 bytes of `.array((0..<count).map(item)).serialized() + "\n"` (pretty), as
  /// consecutive pieces to be written in order, with the items built and serialised on all
  /// cores when there are many: each worker writes a contiguous run of items into its own
  /// piece, so the bytes are the same as the sequential serialisation's and nothing is copied
  /// to join them.
  public static func serializedArrayDocument(count: Int, _ item: @Sendable (Int) -> JSON) -> [[UInt8]] {
    serializedArrayDocument(count: count) { k, out in out.value(item(k)) }
  }

  /// As above, with each item written straight into the worker's ``JSONStreamWriter`` (no
  /// tree is built): `write(k, &out)` must write exactly one value.
  static func serializedArrayDocument(count: Int, write: @Sendable (Int, inout JSONStreamWriter) -> Void) -> [[UInt8]] {
    guard count > 0 else { return [Array("[]\n".utf8)] }
    let workers = count >= 256 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
    var parts = [[UInt8]](repeating: [], count: workers)
    parts.withUnsafeMutableBufferPointer { buffer in
      nonisolated(unsafe) let slots = buffer
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        let lo = count * w / workers
        let hi = count * (w + 1) / workers
        var out = JSONStreamWriter(indent: 1)
        for k in lo..<hi {
          let before = out.count
          arrayItem(k, count: count, into: &out) { write(k, &$0) }
          // Room for the rest at a quarter more than the first item took.
          if k == lo { out.reserve((out.count - before) * (hi - lo - 1) * 5 / 4) }
        }
        slots[w] = out.bytes
      }
    }
    return [Array("[\n".utf8)] + parts + [Array("]\n".utf8)]
  }

  /// Item `k` of `count` of the array document as ``serializedArrayDocument(count:write:)``
  /// writes it: indented, then a comma unless it is the last, then a newline. The document is
  /// "[\n", the items, "]\n" ("[]\n" without items); `out` is a `JSONStreamWriter(indent: 1)`.
  static func arrayItem(
    _ k: Int, count: Int, into out: inout JSONStreamWriter, _ write: (inout JSONStreamWriter) -> Void
  ) {
    out.raw("  ")
    write(&out)
    if k + 1 < count { out.raw(",") }
    out.raw("\n")
  }

  /// 64 spaces, the indentation of up to 32 levels in one append.
  private static let spaces = [UInt8](repeating: 0x20, count: 64)

  /// The bytes of `serialized() + "\n"`, as pieces to write in order (one for anything but a
  /// `--by` batch, which `serializedArrayDocument` writes on all cores).
  public func document() -> [[UInt8]] {
    var out = JSONSink()
    write(into: &out, indent: 0, pretty: true)
    out.bytes.append(0x0A)
    return [out.bytes]
  }

  /// Appends `2 × level` spaces.
  fileprivate static func pad<Out: ByteAppender & ~Copyable>(_ out: inout Out, _ level: Int) {
    var left = 2 * max(0, level)
    while left > 0 {
      let n = min(left, spaces.count)
      spaces.withUnsafeBufferPointer { out.append(bytes: UnsafeBufferPointer(rebasing: $0[0..<n])) }
      left -= n
    }
  }

  /// Appends the number as `NumberFormat.roundTrip` writes it.
  fileprivate static func writeNumber<Out: ByteAppender & ~Copyable>(_ x: Double, into out: inout Out) {
    guard x.isFinite else {
      out.append(static: "null")
      return
    }
    if x == x.rounded(), abs(x) < 9_007_199_254_740_992 {
      NumberFormat.appendInteger(Int64(x), to: &out)
    } else {
      withUnsafeMutablePointer(to: &out) { target in
        var stream = AppenderStream(target: target)
        x.write(to: &stream)
      }
    }
  }

  fileprivate func write<Out: ByteAppender & ~Copyable>(into out: inout Out, indent: Int, pretty: Bool) {
    switch self {
    case .null: out.append(static: "null")
    case .bool(let b): out.append(static: b ? "true" : "false")
    case .int(let i): NumberFormat.appendInteger(Int64(i), to: &out)
    case .number(let x): JSON.writeNumber(x, into: &out)
    case .string(let s): JSON.quote(s, into: &out)
    case .array(let items):
      if items.isEmpty {
        out.append(static: "[]")
        return
      }
      out.append(static: "[")
      if pretty { out.append(0x0A) }
      items.withUnsafeBufferPointer { a in
        for k in a.indices {
          if pretty { JSON.pad(&out, indent + 1) }
          a[k].write(into: &out, indent: indent + 1, pretty: pretty)
          if k + 1 < a.count { out.append(static: ",") }
          if pretty { out.append(0x0A) }
        }
      }
      if pretty { JSON.pad(&out, indent) }
      out.append(static: "]")
    case .object(let members):
      if members.isEmpty {
        out.append(static: "{}")
        return
      }
      out.append(static: "{")
      if pretty { out.append(0x0A) }
      members.withUnsafeBufferPointer { m in
        for k in m.indices {
          if pretty { JSON.pad(&out, indent + 1) }
          JSON.quote(m[k].0, into: &out)
          out.append(static: pretty ? ": " : ":")
          m[k].1.write(into: &out, indent: indent + 1, pretty: pretty)
          if k + 1 < m.count { out.append(static: ",") }
          if pretty { out.append(0x0A) }
        }
      }
      if pretty { JSON.pad(&out, indent) }
      out.append(static: "}")
    }
  }

  /// A JSON string literal (RFC 8259 escapes).
  static func quote(_ s: String) -> String {
    var out = JSONSink()
    quote(s, into: &out)
    return String(decoding: out.bytes, as: UTF8.self)
  }

  /// Appends the JSON string literal of `s` (RFC 8259 escapes); strings with nothing to
  /// escape are copied whole.
  static func quote<Out: ByteAppender & ~Copyable>(_ s: String, into out: inout Out) {
    out.append(UInt8(ascii: "\""))
    let plain = s.utf8.withContiguousStorageIfAvailable { b -> Bool in
      for u in b where u < 0x20 || u == UInt8(ascii: "\"") || u == UInt8(ascii: "\\") { return false }
      out.append(bytes: b)
      return true
    }
    if plain == true {
      out.append(UInt8(ascii: "\""))
      return
    }
    for u in s.utf8 {
      switch u {
      case UInt8(ascii: "\""): out.append(static: "\\\"")
      case UInt8(ascii: "\\"): out.append(static: "\\\\")
      case 0x0A: out.append(static: "\\n")
      case 0x0D: out.append(static: "\\r")
      case 0x09: out.append(static: "\\t")
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        out.append(static: "\\u00")
        out.append(hex[Int(u >> 4)])
        out.append(hex[Int(u & 0xF)])
      default: out.append(u)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}

/// The byte buffer JSON is written into; numbers reach it through `TextOutputStream`
/// without an intermediate `String`.
struct JSONSink: TextOutputStream, ByteAppender {
  var bytes: [UInt8] = []

  mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }

  /// Called by `Double.write(to:)` with the digits of the number.
  mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }

  mutating func append(_ byte: UInt8) { bytes.append(byte) }

  mutating func append(bytes b: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: b) }

  mutating func append(atMost limit: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
    bytes.append(atMost: limit, body)
  }
}

/// Pretty JSON written as it goes, byte for byte what ``JSON/serialized(indent:pretty:)``
/// gives for the same tree, without building the tree: for documents written many times over
/// (a `--by` batch), where the tree's arrays and strings would cost more than the writing.
///
/// Each value is either a scalar (`number`, `int`, `bool`, `string`, `null`), a tree
/// (`value`), or an `beginObject()`…`endObject()` / `beginArray()`…`endArray()` bracket; inside
/// an object, `key` comes before each value. Keys are `StaticString`s written as they are, so
/// they must need no escaping (the contract's keys are plain ASCII words).
struct JSONStreamWriter: ~Copyable {
  /// The bytes written so far, through a pointer (``RawBytes``: an append is a bounds check
  /// and a store, where an array's took a uniqueness and a capacity check and a generic copy —
  /// a twentieth of a negative binomial batch), freed with the writer.
  private var out: RawBytes
  /// Members written so far at each open level (innermost last).
  private var counts: [Int] = []
  /// Indentation level of the value being written at the outermost level.
  private let base: Int

  /// A writer whose outermost value sits at indentation level `indent`, with room for
  /// `capacity` bytes to start with.
  init(indent: Int = 0, capacity: Int = 4096) {
    base = indent
    out = RawBytes(capacity: capacity)
    counts.reserveCapacity(8)
  }

  /// A copy of the bytes written so far.
  var bytes: [UInt8] { Array(out.buffer) }

  /// How many bytes have been written.
  var count: Int { out.count }

  /// Makes room for `n` more bytes.
  mutating func reserve(_ n: Int) { out.reserve(max(0, n)) }

  /// Appends `text` as it is (no separator, no indentation): the brackets and line ends
  /// around the values.
  mutating func raw(_ text: StaticString) { out.append(static: text) }

  private var level: Int { base + counts.count }

  /// The separator and indentation before the next member of the innermost open level.
  private mutating func nextMember() {
    guard let last = counts.indices.last else { return }
    out.append(counts[last] == 0 ? 0x0A : UInt8(ascii: ","))
    if counts[last] > 0 { out.append(0x0A) }
    counts[last] += 1
    JSON.pad(&out, level)
  }

  /// Opens an object (as a value).
  mutating func beginObject() {
    out.append(UInt8(ascii: "{"))
    counts.append(0)
  }

  /// Closes the innermost object.
  mutating func endObject() { close(UInt8(ascii: "}")) }

  /// Opens an array (as a value).
  mutating func beginArray() {
    out.append(UInt8(ascii: "["))
    counts.append(0)
  }

  /// Closes the innermost array.
  mutating func endArray() { close(UInt8(ascii: "]")) }

  private mutating func close(_ bracket: UInt8) {
    let written = counts.removeLast()
    if written > 0 {
      out.append(0x0A)
      JSON.pad(&out, level)
    }
    out.append(bracket)
  }

  /// The key of the next member of the innermost object.
  mutating func key(_ k: StaticString) {
    nextMember()
    out.append(UInt8(ascii: "\""))
    out.append(static: k)
    out.append(static: "\": ")
  }

  /// Starts the next element of the innermost array.
  mutating func element() { nextMember() }

  /// A number (`null` when nil or not finite).
  mutating func number(_ x: Double?) {
    guard let x else { return out.append(static: "null") }
    JSON.writeNumber(x, into: &out)
  }

  /// An integer.
  mutating func int(_ i: Int) { NumberFormat.appendInteger(Int64(i), to: &out) }

  /// A boolean.
  mutating func bool(_ b: Bool) { out.append(static: b ? "true" : "false") }

  /// A string literal (`null` when nil).
  mutating func string(_ s: String?) {
    guard let s else { return out.append(static: "null") }
    JSON.quote(s, into: &out)
  }

  /// `key` and a number (`null` when nil or not finite).
  mutating func field(_ k: StaticString, _ x: Double?) {
    key(k)
    number(x)
  }

  /// `key` and an integer.
  mutating func field(_ k: StaticString, _ i: Int) {
    key(k)
    int(i)
  }

  /// `key` and a boolean.
  mutating func field(_ k: StaticString, _ b: Bool) {
    key(k)
    bool(b)
  }

  /// `key` and a string (`null` when nil).
  mutating func field(_ k: StaticString, _ s: String?) {
    key(k)
    string(s)
  }

  /// A tree, indented for where it stands.
  mutating func value(_ json: JSON) { json.write(into: &out, indent: level, pretty: true) }
}
