/// A JSON value with ordered object keys, so output is byte-identical run after run.
public indirect enum JSON: Sendable, Equatable {
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
  /// Everything is appended to one growing buffer: numbers through `write(to:)` (the same
  /// digits as `description`, without a String per value; integers as small inline Strings),
  /// indentation and string literals in place.
  public func serialized(indent: Int = 0, pretty: Bool = true) -> String {
    var out = ""
    out.reserveCapacity(256)
    write(into: &out, indent: indent, pretty: pretty)
    return out
  }

  /// Appends `2 × level` spaces.
  private static func pad(_ out: inout String, _ level: Int) {
    for _ in 0..<max(0, level) { out += "  " }
  }

  /// Appends the number as `NumberFormat.roundTrip` writes it.
  private static func writeNumber(_ x: Double, into out: inout String) {
    guard x.isFinite else {
      out += "null"
      return
    }
    if x == x.rounded(), abs(x) < 9_007_199_254_740_992 {
      out += String(Int64(x))
    } else {
      x.write(to: &out)
    }
  }

  private func write(into out: inout String, indent: Int, pretty: Bool) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .number(let x): JSON.writeNumber(x, into: &out)
    case .string(let s): JSON.quote(s, into: &out)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
        return
      }
      out += "["
      if pretty { out += "\n" }
      for (k, item) in items.enumerated() {
        if pretty { JSON.pad(&out, indent + 1) }
        item.write(into: &out, indent: indent + 1, pretty: pretty)
        if k + 1 < items.count { out += "," }
        if pretty { out += "\n" }
      }
      if pretty { JSON.pad(&out, indent) }
      out += "]"
    case .object(let members):
      if members.isEmpty {
        out += "{}"
        return
      }
      out += "{"
      if pretty { out += "\n" }
      for (k, (key, value)) in members.enumerated() {
        if pretty { JSON.pad(&out, indent + 1) }
        JSON.quote(key, into: &out)
        out += pretty ? ": " : ":"
        value.write(into: &out, indent: indent + 1, pretty: pretty)
        if k + 1 < members.count { out += "," }
        if pretty { out += "\n" }
      }
      if pretty { JSON.pad(&out, indent) }
      out += "}"
    }
  }

  /// A JSON string literal (RFC 8259 escapes).
  static func quote(_ s: String) -> String {
    var out = ""
    quote(s, into: &out)
    return out
  }

  /// Appends the JSON string literal of `s` (RFC 8259 escapes); strings with nothing to
  /// escape are copied whole.
  static func quote(_ s: String, into out: inout String) {
    out += "\""
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
      out += s
      out += "\""
      return
    }
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    out += "\""
  }
}
