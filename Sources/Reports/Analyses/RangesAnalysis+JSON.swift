import Figures
import Statistics

extension RangesAnalysis {
  /// The contract's JSON document: `{ "quantities": [ … ] }`.
  public static func json(_ results: [QuantityRanges]) -> JSON {
    .object([("quantities", .array(results.map(quantityJSON)))])
  }

  static func quantityJSON(_ r: QuantityRanges) -> JSON {
    let rec = r.reconciliation
    let weights = rec.weights
    let sources: [JSON] = r.figures.indices.map { k in
      let f = r.figures[k]
      let textual = r.textual[k]
      let (d, excludedReason) = r.pooling(ofFigure: k)
      // The row's own ends; a bound's number at its end (a value with kind at_least/at_most).
      let bound = [.atLeast, .atMost].contains(sourceKind(f, textual: textual))
      let (low, high) =
        bound ? statedEnds(f, textual: textual) : (textual ? f.verbal?.low : f.low, textual ? f.verbal?.high : f.high)
      // What a statement says beyond its numbers, only where the figure says it: on a large
      // file of plain figures four always-empty keys would add half a kilobyte per ten rows.
      var statement: [(String, JSON)] = []
      if let note = d?.note { statement.append(("reading_note", .string(note))) }
      if !f.scope.isEmpty { statement.append(("scope", .string(f.scope))) }
      if !f.evidence.isEmpty { statement.append(("evidence", .string(f.evidence))) }
      if !f.supersedes.isEmpty { statement.append(("supersedes", .array(f.supersedes.map { .string($0) }))) }
      return .object(
        [
          ("id", .string(f.id)),
          ("low", .num(low)),
          ("high", .num(high)),
          ("value", .num(f.value)),
          ("from_text", .bool(textual)),
          ("excluded_reason", .str(excludedReason)),
          ("text", .str(f.text)),
          ("period", .str(f.period?.text)),
          ("source", .string(f.source)),
          ("published", .string(f.published)),
          ("document", .string(f.document)),
          ("quote", .string(f.quote)),
          ("derived_from", .array(f.derivedFrom.map { .string($0) })),
          ("reading", .string(reading(r, k).rawValue)),
          ("center", .num(center(r, k))),
        ] + statement + [
          ("pooled_low", .num(d?.low)),
          ("pooled_high", .num(d?.high)),
          ("log_mean", .num(d?.mu)),
          ("log_sd", .num(d?.sigma)),
          // The source's share of the random-effects weight (nil: not pooled, or bounds).
          ("weight", .num(r.reconciliation.entry(ofInput: k).0.flatMap { weights?[$0] })),
          ("line", .int(f.location.line)),
        ])
    }
    let pooled = random(rec.randomEffects)
    func pool(_ p: PooledRange?) -> JSON {
      guard let p else { return .null }
      return .object([
        ("method", .string(p.method)), ("median", .num(p.estimate)), ("low", .num(p.low)),
        ("high", .num(p.high)), ("level", .num(rec.level)),
      ])
    }
    func random(_ re: LogRandomEffects?) -> JSON {
      guard let re else { return .null }
      return .object([
        ("method", .string(re.method)),
        ("model", .string(re.betweenSources ? "random_effects" : "common_effect")),
        ("censored", .int(re.censored)), ("estimate", .num(re.estimate)),
        ("ci_low", .num(re.ciLow)), ("ci_high", .num(re.ciHigh)),
        ("pi_low", .num(re.piLow)), ("pi_high", .num(re.piHigh)),
        ("tau2", re.betweenSources ? .num(re.tau2) : .null),
        ("tau2_ci_low", .num(re.tau2Low)), ("tau2_ci_high", .num(re.tau2High)),
        ("i2", re.betweenSources ? .num(re.i2) : .null),
        (
          "ci_method",
          .string(re.censored != 0 ? "observed_information" : re.smallSample ? "knapp_hartung" : "z")
        ),
        ("pi_method", .string(re.smallSample ? "t_k_minus_2" : "z")),
        ("k", .int(re.k)), ("level", .num(rec.level)),
      ])
    }
    func reported(_ one: ReportedFigure?, level: Double) -> JSON {
      guard let one else { return .null }
      return .object([
        ("id", .string(one.id)), ("reading", .string(one.reading)), ("center", .num(one.estimate)),
        ("low", .num(one.low)), ("high", .num(one.high)), ("level", .num(level)),
        ("note", .string("one figure: reported as stated, not reconciled")),
      ])
    }
    return .object([
      ("quantity", .string(r.quantity)),
      ("unit", .string(r.unit)),
      ("sources", .array(sources)),
      ("scale", .string(rec.scale.rawValue)),
      (
        "envelope",
        .object([
          ("low", .num(rec.envelope.low)), ("high", .num(rec.envelope.high)),
          ("open_below", .bool(rec.envelopeOpen.below)), ("open_above", .bool(rec.envelopeOpen.above)),
        ])
      ),
      (
        "intersection",
        rec.intersection.map { .object([("low", .num($0.low)), ("high", .num($0.high))]) } ?? .null
      ),
      ("conflicts", .array(rec.conflicts.map { .string($0) })),
      ("conflict_pairs", .array(rec.conflictPairs.map { .array([.string($0.0), .string($0.1)]) })),
      (
        "consistent_group",
        rec.consistentGroup.map { g in
          .object([
            ("ids", .array(g.ids.map { .string($0) })), ("low", .num(g.low)), ("high", .num(g.high)),
            ("outside", .array(g.outside.map { .string($0) })),
          ])
        } ?? .null
      ),
      ("conflict_pair_count", .int(rec.conflictPairCount)),
      ("excluded", .array(rec.excluded.map { .object([("id", .string($0.id)), ("reason", .string($0.reason))]) })),
      ("reported", reported(rec.reported, level: rec.level)),
      ("pooled", pooled),
      ("linear_pool", pool(rec.linearPool)),
      ("log_pool", pool(rec.logarithmicPool)),
      ("notes", .array(rec.notes.map { .string($0) })),
      ("sensitivity", sensitivityJSON(rec)),
      (
        "leave_one_out",
        .array(
          rec.leaveOneOut.map {
            .object([
              ("id", .string($0.id)), ("estimate", .num($0.pooled.estimate)),
              ("ci_low", .num($0.pooled.ciLow)), ("ci_high", .num($0.pooled.ciHigh)),
              ("pi_low", .num($0.pooled.piLow)), ("pi_high", .num($0.pooled.piHigh)),
              ("tau2", .num($0.pooled.tau2)), ("level", .num(rec.level)),
            ])
          })
      ),
      (
        "by_year",
        .array(
          r.byYear.map { y in
            .object([
              ("year", .int(y.year)), ("ids", .array(y.ids.map { .string($0) })),
              ("reported", reported(y.reconciliation.reported, level: rec.level)),
              ("pooled", random(y.reconciliation.randomEffects)),
              ("linear_pool", pool(y.reconciliation.linearPool)),
              ("log_pool", pool(y.reconciliation.logarithmicPool)),
            ])
          })
      ),
    ])
  }

  /// A quantity of one figure as the report's `summary.json` lists it under
  /// `ranges.one_figure` (nil for any other quantity): the figure, where it is in the file,
  /// how it was read, and its own interval at the run's level — what the full entry would
  /// say, without restating the row (its cells and quote are in the dataset, at `line`).
  static func oneFigureJSON(_ r: QuantityRanges) -> JSON? {
    guard r.figures.count == 1, let one = r.reconciliation.reported, let f = r.figures.first else { return nil }
    return .object([
      ("quantity", .string(r.quantity)), ("unit", .string(r.unit)), ("id", .string(one.id)),
      ("line", .int(f.location.line)), ("reading", .string(one.reading)), ("center", .num(one.estimate)),
      ("low", .num(one.low)), ("high", .num(one.high)), ("level", .num(r.reconciliation.level)),
    ])
  }
}
