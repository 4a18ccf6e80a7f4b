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
  public func serialized(indent: Int = 0, pretty: Bool = true) -> String {
    var out = ""
    write(into: &out, indent: indent, pretty: pretty)
    return out
  }

  private func write(into out: inout String, indent: Int, pretty: Bool) {
    let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
    let closePad = pretty ? String(repeating: "  ", count: indent) : ""
    let nl = pretty ? "\n" : ""
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .number(let x): out += x.isFinite ? NumberFormat.roundTrip(x) : "null"
    case .string(let s): out += JSON.quote(s)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
        return
      }
      out += "[" + nl
      for (k, item) in items.enumerated() {
        out += pad
        item.write(into: &out, indent: indent + 1, pretty: pretty)
        out += (k + 1 < items.count ? "," : "") + nl
      }
      out += closePad + "]"
    case .object(let members):
      if members.isEmpty {
        out += "{}"
        return
      }
      out += "{" + nl
      for (k, (key, value)) in members.enumerated() {
        out += pad + JSON.quote(key) + (pretty ? ": " : ":")
        value.write(into: &out, indent: indent + 1, pretty: pretty)
        out += (k + 1 < members.count ? "," : "") + nl
      }
      out += closePad + "}"
    }
  }

  /// A JSON string literal (RFC 8259 escapes).
  static func quote(_ s: String) -> String {
    var out = "\""
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
    return out + "\""
  }
}
