import Foundation
import TestSupport

@testable import Figures

// MARK: - Random figures files

/// A random figures file: random columns, quoting, embedded newlines and commas, thousands
/// separators, bad numbers, duplicate ids, derived_from chains and cycles, HXL rows, blank
/// rows, CRLF, non-ASCII text; some files are then mutated byte-wise.
func randomFiguresFile(seed: UInt64) -> [UInt8] {
  var rng = SplitMix64(seed: seed)
  func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
  // Half the files are meant to be valid (only valid cells, no mutation), to exercise the
  // fast path; the rest mix in every kind of error.
  let valid = seed % 2 == 0
  func bad(_ p: Double) -> Bool { !valid && chance(p) }
  func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }

  var columns = ["quantity", "value", "low", "high", "text", "period", "id", "derived_from", "note"]
  if chance(0.3) { columns.append("coverage") }
  if chance(0.2) { columns.append("unit") }
  // The statement columns, in a third of the files.
  if chance(0.33) {
    for name in ["kind", "measure", "series", "supersedes", "scope", "evidence"] where chance(0.6) {
      columns.append(name)
    }
  }
  columns.shuffle(using: &rng)
  if bad(0.05) { columns.removeAll { $0 == "quantity" } }
  var header = columns.map { name -> String in
    if chance(0.1) { return name.uppercased() }
    if chance(0.05) { return " \(name) " }
    if name == "derived_from" && chance(0.2) { return "Derived From" }
    return name
  }
  if bad(0.03), header.count > 1 { header[1] = header[0] }  // duplicate header name
  let crlf = chance(0.3)
  let eol = crlf ? "\r\n" : "\n"
  let rowCount = Int.random(in: 0...25, using: &rng)
  var ids: [String] = []

  func validCell(_ column: String, row: Int) -> String? {
    switch column {
    case "quantity": return pick(["nk", "mou", "q é", " spaced ", "e\u{301}t\u{e9}", "\u{e9}t\u{e9}"])
    case "value", "low", "high":
      return pick(["", "300", "\"300,000\"", " 42 ", "1.5", "NA", "\"1,234,567\"", "2e3", "0", ".5"])
    case "text": return pick(["", "tens of thousands", "hundreds", "\"a handful\"", "scores"])
    case "period": return pick(["", "2002", "2002-07", " 2003 ", "2004-02-29", "2002-01/2002-06"])
    case "coverage": return pick(["", "0.9", "90%", "1"])
    case "measure": return pick(["", "", "flow", "stock", "Flow"])
    case "series", "scope", "evidence": return pick(["", "", "Pew", "\"DHS, revised\"", "Yanbian only"])
    case "supersedes":
      // An earlier row's id, never the row's own.
      let earlier = ids.filter { !$0.hasSuffix("\(row)") }
      if chance(0.7) || earlier.isEmpty { return "" }
      return earlier.randomElement(using: &rng) ?? ""
    case "kind": return ""  // set after the numbers, below
    case "id":
      if chance(0.15) { return "" }
      let id = chance(0.1) ? pick(["\u{e9}-\(row)", "e\u{301}x\(row)", "\u{212A}\(row)"]) : "f\(row)"
      ids.append(id)
      return id
    case "derived_from":
      // Earlier rows' ids only: the row's own (made first when the id column comes first)
      // would be a cycle.
      let earlier = ids.filter { !$0.hasSuffix("\(row)") }
      if chance(0.7) || earlier.isEmpty { return "" }
      let a = earlier.randomElement(using: &rng) ?? ""
      let b = earlier.randomElement(using: &rng) ?? ""
      return chance(0.5) ? a : "\"\(a); \(b)\""
    default: return nil
    }
  }

  func cell(_ column: String, row: Int) -> String {
    if valid, let v = validCell(column, row: row) { return v }
    switch column {
    case "quantity":
      return chance(0.03) ? "" : pick(["nk", "mou", "q é", " spaced ", "e\u{301}t\u{e9}", "\u{e9}t\u{e9}"])
    case "kind":
      return chance(0.5) ? "" : pick(["point", "range", "at_least", "AT MOST", "about", "atleast", "range"])
    case "measure": return chance(0.5) ? "" : pick(["stock", "flow", "stok", "cumulative", "Cumulative"])
    case "series", "scope", "evidence": return pick(["", "Pew", "x"])
    case "supersedes":
      if chance(0.6) { return "" }
      return pick(["nowhere", "f\(row)", "f2", "\"f2; f3\""])
    case "value", "low", "high":
      if chance(0.5) { return "" }
      return pick([
        "12.2 million", "3 thousand", "2 bn",
        "300", "\"300,000\"", "\"1,234,567\"", "1.5", "1e3", "NA", "n/a", "-5", "abc", "\"1,2\"",
        " 42 ", "0", "-0", "12345678901234567", "\"12,34\"", ".5", "5.", "+7", "1e999", "inf",
        "0x10", "\"\u{a0}9\"", String(Int.random(in: 0...900_000, using: &rng)),
      ])
    case "text":
      return chance(0.5)
        ? ""
        : pick([
          "tens of thousands", "hundreds", "unknown words", "\"a, handful\"", "scores", "about 300",
          "\"more than 1,000\"",
          "as many as 12.2 million", "up to 5 k", "300",
        ])
    case "period":
      return chance(0.3)
        ? "" : pick(["2002", "2002-07", "2002-13", "2001-07/2002-06", " 2003 ", "2002-02-29", "1999/2001"])
    case "coverage":
      return chance(0.5) ? "" : pick(["0.9", "90%", "1.5", "x"])
    case "id":
      if chance(0.15) { return "" }
      if chance(0.06), let old = ids.randomElement(using: &rng) { return old }
      let id = chance(0.1) ? pick(["\u{e9}-\(row)", "e\u{301}-\(row)", "\u{212A}\(row)", "K\(row)"]) : "f\(row)"
      ids.append(id)
      return id
    case "derived_from":
      if chance(0.7) || ids.isEmpty { return "" }
      if chance(0.1) { return "nowhere" }
      let a = ids.randomElement(using: &rng) ?? ""
      let b = ids.randomElement(using: &rng) ?? ""
      return chance(0.5) ? a : "\"\(a); \(b)\""
    case "unit":
      return pick(["persons", "", "\"people, mostly\""])
    default:
      return pick([
        "", "plain", "\"with, comma\"", "\"multi\nline\"", "\"say \"\"hi\"\"\"", "日本語", "\"é\r\nà\"",
        "  \"spaced quote\"", "tab\there",
      ])
    }
  }

  var text = header.joined(separator: ",") + eol
  if chance(0.1) {
    text += columns.map { _ in pick(["#meta+id", "#affected", "", "#date"]) }.joined(separator: ",") + eol
  }
  for row in 0..<rowCount {
    if chance(0.05) { text += eol }
    if chance(0.04) {
      text += String(repeating: ",", count: columns.count - 1) + eol
      continue
    }
    var cells = columns.map { cell($0, row: row + 2) }
    if valid {
      // One number, a range in order, or a known verbal quantity: no error, no warning.
      for name in ["value", "low", "high"] {
        if let k = columns.firstIndex(of: name) { cells[k] = "" }
      }
      let x = Int.random(in: 0...900_000, using: &rng)
      let forms = { (n: Int) in
        [
          String(n), "\"\(n.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))))\"", "\(n).0",
          " \(n) ",
        ]
      }
      // The kind these cells state, when the file has a kind column and the row states it.
      var kind = ""
      let text = columns.firstIndex(of: "text")
      switch Int.random(in: 0..<4, using: &rng) {
      case 0:
        if let k = columns.firstIndex(of: "value") {
          cells[k] = pick(forms(x))
          kind = pick(["point", "about"])
          // A text in the wording grammar that agrees with the value.
          if let t = text, chance(0.3) {
            cells[t] = pick(["\(x)", "\"about \(x)\"", "\"Some \(x)\""])
            kind = cells[t].hasPrefix("\"") ? "about" : kind
          }
        }
      case 1:
        if let k = columns.firstIndex(of: "low") { cells[k] = pick(forms(x)) }
        if let k = columns.firstIndex(of: "high") { cells[k] = pick(forms(x + Int.random(in: 0...5000, using: &rng))) }
        let hasLow = columns.contains("low")
        let hasHigh = columns.contains("high")
        kind = hasLow && hasHigh ? "range" : hasLow ? "at_least" : hasHigh ? "at_most" : ""
      case 2:
        // Wording alone: the text fills the number.
        if let t = text {
          cells[t] = pick(["\"more than \(x)\"", "\"as many as \(x)\"", "\(x) thousand", "\"close to \(x)\""])
        }
      default: break
      }
      let hasNumber = ["value", "low", "high", "text"].contains { name in
        columns.firstIndex(of: name).map { !cells[$0].isEmpty } ?? false
      }
      if !hasNumber, let k = text {
        cells[k] = pick(["tens of thousands", "hundreds", "\"a handful\"", "scores"])
        kind = "range"
      }
      if let k = columns.firstIndex(of: "kind"), chance(0.5) { cells[k] = kind }
    } else {
      // Derived links to ids further down make chains, sometimes cycles.
      if let d = columns.firstIndex(of: "derived_from"), chance(0.1) { cells[d] = "f\(row + 3)" }
      if chance(0.02) { cells.append("extra") }
    }
    text += cells.joined(separator: ",")
    if row < rowCount - 1 || chance(0.7) { text += eol }
  }
  var bytes = Array(text.utf8)
  if bad(0.15), !bytes.isEmpty {
    let at = Int.random(in: 0..<bytes.count, using: &rng)
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: bytes.insert(0x22, at: at)
    case 1: bytes.remove(at: at)
    case 2: bytes.insert(0, at: at)
    case 3: bytes.insert(0xFF, at: at)
    case 4: bytes = bytes.map { $0 == 0x0A ? 0x0D : $0 }
    default: bytes.insert(contentsOf: [0xC3], at: at)
    }
  }
  if chance(0.05) { bytes = [0xEF, 0xBB, 0xBF] + bytes }
  return bytes
}
