import Figures

/// A JSON value as read back from an output file, numbers kept with their text.
///
/// Foundation's `JSONSerialization` on Linux does not round every number correctly in its last
/// digit and reports booleans as numbers; the comparison needs neither surprise, so output
/// files are read with this small RFC 8259 reader instead. Numbers are converted with Swift's
/// correctly rounded `Double(String)`; object members keep their order.
indirect enum JSONValue: Sendable, Hashable {
  /// `null`.
  case null
  /// `true` / `false`.
  case bool(Bool)
  /// A number: its value and its text as written.
  case number(Double, text: String)
  /// A string.
  case string(String)
  /// An array.
  case array([JSONValue])
  /// An object, members in file order.
  case object([Member])

  /// One member of an object.
  struct Member: Sendable, Hashable {
    var name: String
    var value: JSONValue
  }

  /// A short rendering for a difference line: scalars as JSON text, containers as `{…}`/`[…]`.
  var brief: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(_, let text): return text
    case .string(let s): return JSON.quote(s)
    case .array(let a): return a.isEmpty ? "[]" : "[…]"
    case .object(let o): return o.isEmpty ? "{}" : "{…}"
    }
  }

  /// The name of the value's JSON type, for a "type changed" difference.
  var typeName: String {
    switch self {
    case .null: return "null"
    case .bool: return "boolean"
    case .number: return "number"
    case .string: return "string"
    case .array: return "array"
    case .object: return "object"
    }
  }

  /// The member named `name`, if any (`JSONReader` refuses objects whose names repeat).
  func member(_ name: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.name == name }?.value
  }
}

/// Reads one JSON document (RFC 8259) with line and column in its errors.
///
/// - Complexity: O(n) in the number of bytes; nesting deeper than `maxDepth` is an error
///   rather than a stack overflow.
struct JSONReader {
  /// Containers nested deeper than this are rejected.
  static let maxDepth = 512

  private let bytes: [UInt8]
  private let path: String
  private var i = 0
  private var line = 1
  private var lineStart = 0

  private init(bytes: [UInt8], path: String) {
    self.bytes = bytes
    self.path = path
  }

  /// Parses `bytes` (UTF-8, an optional byte-order mark) as one JSON document.
  ///
  /// - Throws: `ComparisonError.invalid` with one diagnostic at the first error.
  static func parse(_ bytes: [UInt8], path: String) throws(ComparisonError) -> JSONValue {
    var reader = JSONReader(bytes: bytes, path: path)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
      reader.i = 3
      reader.lineStart = 3
    }
    reader.skipWhitespace()
    let value = try reader.value(depth: 0)
    reader.skipWhitespace()
    if reader.i < bytes.count { throw reader.error("unexpected text after the JSON document") }
    return value
  }

  private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

  private func error(_ message: String) -> ComparisonError {
    .invalid([
      .error(message, at: SourceLocation(path: path, line: line, column: column(of: i, lineStart: lineStart)))
    ])
  }

  /// The 1-based column of byte `offset` on the line starting at byte `lineStart`: columns
  /// count Unicode scalars, so the non-continuation bytes before `offset`.
  private func column(of offset: Int, lineStart: Int) -> Int {
    var column = 1
    var k = lineStart
    while k < min(offset, bytes.count) {
      if bytes[k] & 0xC0 != 0x80 { column += 1 }
      k += 1
    }
    return column
  }

  private mutating func skipWhitespace() {
    while let b = current {
      switch b {
      case 0x20, 0x09, 0x0D: i += 1
      case 0x0A:
        i += 1
        line += 1
        lineStart = i
      default: return
      }
    }
  }

  private mutating func expect(_ literal: String, _ value: JSONValue) throws(ComparisonError) -> JSONValue {
    let start = i
    for u in literal.utf8 {
      guard current == u else {
        i = start
        throw error("invalid literal: expected '\(literal)'")
      }
      i += 1
    }
    return value
  }

  private mutating func value(depth: Int) throws(ComparisonError) -> JSONValue {
    guard depth < JSONReader.maxDepth else { throw error("nesting deeper than \(JSONReader.maxDepth)") }
    guard let b = current else { throw error("unexpected end of file: expected a value") }
    switch b {
    case UInt8(ascii: "{"): return try object(depth: depth)
    case UInt8(ascii: "["): return try array(depth: depth)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try expect("true", .bool(true))
    case UInt8(ascii: "f"): return try expect("false", .bool(false))
    case UInt8(ascii: "n"): return try expect("null", .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
    default: throw error("unexpected character: expected a value")
    }
  }

  private mutating func object(depth: Int) throws(ComparisonError) -> JSONValue {
    i += 1
    var members: [JSONValue.Member] = []
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      i += 1
      return .object(members)
    }
    // Where each name was first seen: a repeated name is an error, since JSON readers
    // disagree on which value wins (Python's keeps the last, this one kept the first).
    // (Byte offsets are kept; a column is counted only for the message.)
    var seen: [String: (offset: Int, line: Int, lineStart: Int)] = [:]
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
      let nameAt = (i, line, lineStart)
      let name = try string()
      if let first = seen[name] {
        (i, line, lineStart) = nameAt
        throw error(
          "duplicate member name \(JSON.quote(String(name.prefix(200)))) in an object (first at line \(first.line), column \(column(of: first.offset, lineStart: first.lineStart)))"
        )
      }
      seen[name] = nameAt
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
      i += 1
      skipWhitespace()
      members.append(.init(name: name, value: try value(depth: depth + 1)))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): i += 1
      case UInt8(ascii: "}"):
        i += 1
        return .object(members)
      default: throw error("expected ',' or '}' in an object")
      }
    }
  }

  private mutating func array(depth: Int) throws(ComparisonError) -> JSONValue {
    i += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      i += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      items.append(try value(depth: depth + 1))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): i += 1
      case UInt8(ascii: "]"):
        i += 1
        return .array(items)
      default: throw error("expected ',' or ']' in an array")
      }
    }
  }

  private mutating func number() throws(ComparisonError) -> JSONValue {
    let start = i
    func digits(_ r: inout JSONReader) -> Int {
      var n = 0
      while let c = r.current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
        r.i += 1
        n += 1
      }
      return n
    }
    if current == UInt8(ascii: "-") { i += 1 }
    if current == UInt8(ascii: "0") {
      i += 1
    } else if digits(&self) == 0 {
      throw error("bad number: expected a digit")
    }
    if current == UInt8(ascii: ".") {
      i += 1
      guard digits(&self) > 0 else { throw error("bad number: expected a digit after '.'") }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      i += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { i += 1 }
      guard digits(&self) > 0 else { throw error("bad number: expected a digit in the exponent") }
    }
    let text = String(decoding: bytes[start..<i], as: UTF8.self)
    guard let x = Double(text), x.isFinite else {
      i = start
      throw error("number out of range: \(text)")
    }
    return .number(x, text: text)
  }

  private mutating func hex4() throws(ComparisonError) -> UInt32 {
    var v: UInt32 = 0
    for _ in 0..<4 {
      guard let c = current else { throw error("unexpected end of file in a \\u escape") }
      let d: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
      default: throw error("bad \\u escape: expected four hexadecimal digits")
      }
      v = v * 16 + d
      i += 1
    }
    return v
  }

  private mutating func string() throws(ComparisonError) -> String {
    let open = (i, line, lineStart)
    i += 1
    var raw: [UInt8] = []
    while true {
      guard let c = current else {
        (i, line, lineStart) = open
        throw error("unterminated string")
      }
      switch c {
      case UInt8(ascii: "\""):
        i += 1
        guard let s = String(validating: raw, as: UTF8.self) else {
          (i, line, lineStart) = open
          throw error("string is not valid UTF-8")
        }
        return s
      case UInt8(ascii: "\\"):
        i += 1
        guard let e = current else { throw error("unexpected end of file in an escape") }
        i += 1
        switch e {
        case UInt8(ascii: "\""): raw.append(0x22)
        case UInt8(ascii: "\\"): raw.append(0x5C)
        case UInt8(ascii: "/"): raw.append(0x2F)
        case UInt8(ascii: "b"): raw.append(0x08)
        case UInt8(ascii: "f"): raw.append(0x0C)
        case UInt8(ascii: "n"): raw.append(0x0A)
        case UInt8(ascii: "r"): raw.append(0x0D)
        case UInt8(ascii: "t"): raw.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800..<0xDC00).contains(scalar) {
            guard current == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u") else {
              throw error("unpaired surrogate in a \\u escape")
            }
            i += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in a \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let u = Unicode.Scalar(scalar) else { throw error("unpaired surrogate in a \\u escape") }
          raw.append(contentsOf: Array(String(Character(u)).utf8))
        default:
          i -= 1
          throw error("bad escape in a string")
        }
      default:
        guard c >= 0x20 else { throw error("control character in a string: escape it") }
        raw.append(c)
        i += 1
      }
    }
  }
}
