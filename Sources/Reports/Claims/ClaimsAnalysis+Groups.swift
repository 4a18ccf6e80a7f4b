import Figures

/// Claims printed in one sentence of one document: several checks of one quote (the low and
/// the high end of "2000 or 3000 renminbi [U.S.$240 to U.S.$360]") are shown under the quote,
/// printed once (issue #30), not as unrelated rows that each leave the reader to find the
/// sentence. The grouping is presentation only: every claim keeps its own status, and failed
/// checks of one account are still one inconsistent account (``ClaimStatus/inconsistent``).
public struct ClaimGroup: Sendable, Hashable {
  /// The document the claims are printed in.
  public var document: String
  /// The sentence, spaces at its ends trimmed; empty for a claim with no quote.
  public var quote: String
  /// The claims, in triage order (``ClaimsReport/triaged``).
  public var results: [ClaimResult]

  /// Whether more than one claim comes from the sentence (a group shown under its quote).
  public var isShared: Bool { results.count > 1 }
}

extension ClaimsReport {
  /// The claims in triage order, those with the same document and quote (spaces at the ends
  /// ignored) together: a group stands where its first claim in triage order stands (its
  /// gravest status), its claims in triage order; a claim with no quote is a group of one.
  public var groupedByQuote: [ClaimGroup] {
    var groups: [ClaimGroup] = []
    var index: [String: Int] = [:]
    for r in triaged {
      let quote = r.quote.trimmingBlanks()
      let key = r.document + "\u{1F}" + quote
      if !quote.isEmpty, let k = index[key] {
        groups[k].results.append(r)
        continue
      }
      if !quote.isEmpty { index[key] = groups.count }
      groups.append(ClaimGroup(document: r.document, quote: quote, results: [r]))
    }
    return groups
  }
}

extension ClaimsAnalysis {
  /// A shared quote's heading: `2 claims from one sentence of DOCUMENT: "QUOTE"`.
  static func heading(_ g: ClaimGroup) -> String {
    "\(g.results.count) claims from one sentence\(g.document.isEmpty ? "" : " of \(g.document)"): \"\(g.quote)\""
  }

  /// One line per claim — failed first, then errors, then passes: status, id, computed vs
  /// stated, detail; claims from one sentence under its quote, indented; then the totals.
  public static func table(_ report: ClaimsReport) -> String {
    let groups = report.groupedByQuote
    let rows = groups.flatMap(\.results)
    // Ids as the terminal shows them (escaped), so that the columns line up.
    let idWidth = min(40, rows.map { TerminalText.escape($0.id, keepingNewlines: false).count }.max() ?? 2)
    let statusWidth = max(5, rows.map(\.status.shown.count).max() ?? 5)
    var out = ""
    for g in groups {
      let indent = g.isShared ? "  " : ""
      if g.isShared { out += TerminalText.escape(heading(g), keepingNewlines: false) + "\n" }
      for r in g.results {
        let shown = TerminalText.escape(r.id, keepingNewlines: false)
        let status = paddedRight(r.status.shown, statusWidth)
        let id = shown.count < idWidth ? paddedRight(shown, idWidth) : shown
        let numbers =
          "\(r.computed.map { ClaimsFormat.number($0, significant: 4) } ?? "—") vs \(r.stated.map { ClaimsFormat.number($0, significant: 4) } ?? "—")"
        out +=
          "\(indent)\(status)  \(id)  \(paddedRight(numbers, 22))  \(TerminalText.escape(r.detail, keepingNewlines: false))\n"
      }
    }
    out += report.totals + "\n"
    return TerminalText.escape(out)
  }

  /// A Markdown table, failed claims at the top, then errors, then passes; claims from one
  /// sentence in a table of their own under the quote. Text cells go through
  /// ``Markdown/text(_:)``.
  public static func markdown(_ report: ClaimsReport) -> String {
    let cell = Markdown.text
    let head = "| status | id | claim | computed | stated | detail | source |\n|---|---|---|---:|---:|---|---|\n"
    func row(_ r: ClaimResult) -> String {
      let status = r.status == .pass ? "pass" : "**\(r.status.rawValue.replacing("_", with: " "))**"
      return
        "| \(status) | \(cell(r.id)) | \(cell(r.claim)) | \(r.computed.map { ClaimsFormat.number($0, significant: 4) } ?? "—") | \(r.stated.map { ClaimsFormat.number($0, significant: 4) } ?? "—") | \(cell(r.detail)) | \(cell(r.source)) |\n"
    }
    var out = ""
    var tableOpen = false
    for g in report.groupedByQuote {
      if g.isShared {
        if tableOpen { out += "\n" }
        tableOpen = false
        let document = g.document.isEmpty ? "" : " of \(cell(g.document))"
        out += "\(g.results.count) claims from one sentence\(document):\n\n> \(cell(g.quote))\n\n" + head
        out += g.results.map(row).joined() + "\n"
      } else {
        if !tableOpen { out += head }
        tableOpen = true
        out += g.results.map(row).joined()
      }
    }
    // A shared quote's table ends with its blank line already.
    out += (tableOpen || out.isEmpty ? "\n" : "") + "\(report.totals).\n"
    return out
  }
}
