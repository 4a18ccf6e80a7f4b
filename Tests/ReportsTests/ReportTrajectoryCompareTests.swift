import Foundation
import Testing

@testable import Reports

/// `compare` judges the trajectory's figures as Monte Carlo estimates (``MonteCarloFigures``):
/// another realisation passes, a moved level or a changed input fails.
@Suite("compare: Monte Carlo tolerance of the trajectory")
struct ReportTrajectoryCompareTests {
  /// A summary.json with one trajectory: a year (90% interval 50–200, log width ln 4), a
  /// statement, the diagnostics; `edit` replaces text in it.
  static func summary(_ edits: [(String, String)] = [], member: String = "trajectory") -> [UInt8] {
    var text = """
      {"dataset": "d", "\(member)": [{"quantity": "q", "from": 2000,
        "years": [{"year": 2000, "median": 100, "lo50": 80, "hi50": 120, "lo90": 50, "hi90": 200, "statements": 1}],
        "statements": [{"id": "a", "year": 2000, "value": 90, "low": 60, "high": 130, "sigma": 0.42, "outlier_probability": 0.05, "fitted": 95, "outlier": false}],
        "series": [{"series": "A", "bias_median": 1, "bias_low": 0.5, "bias_high": 2, "relative_median": 1, "relative_low": 0.8, "relative_high": 1.25, "flagged": false, "verdict": "in_line"}],
        "hyperparameters": {"tau": {"median": 0.3, "low": 0.03, "high": 0.9}},
        "diagnostics": {"max_rhat": 1.002, "divergences": 0, "warnings": []}}]}
      """
    for (a, b) in edits { text = text.replacingOccurrences(of: a, with: b) }
    return Array(text.utf8)
  }

  static func differences(_ edits: [(String, String)], member: String = "trajectory", file: String = "d/summary.json")
    throws -> [Difference]
  {
    try OutputComparison.compareJSON(
      baseline: summary(member: member), current: summary(edits, member: member), file: file, baselinePath: "b",
      currentPath: "c")
  }

  @Test("Moves within the Monte Carlo tolerance pass; diagnostics and verdicts are informational")
  func withinTolerance() throws {
    // median 100 → 105: 0.049 on the log scale, 0.035 of the width ln 4 (the limit is 0.1);
    // hi90 200 → 260: 0.19 of the width (limit 0.4); tau's low 0.03 → 0.04: 0.085 of its
    // width ln 30 (limit 0.4); fitted 95 → 105: 0.1 (limit 0.15); the probability by 0.04.
    let moved = [
      ("\"median\": 100", "\"median\": 105"), ("\"hi90\": 200", "\"hi90\": 260"), ("\"low\": 0.03", "\"low\": 0.04"),
      ("\"fitted\": 95", "\"fitted\": 105"), ("\"outlier_probability\": 0.05", "\"outlier_probability\": 0.09"),
      ("\"divergences\": 0, \"warnings\": []", "\"divergences\": 9, \"warnings\": [\"9 divergent transitions\"]"),
      ("\"outlier\": false", "\"outlier\": true"),
    ]
    let d = try Self.differences(moved)
    #expect(d.allSatisfy { !$0.isFailure }, "\(d.map(\.line))")
    #expect(d.map(\.column).sorted() == ["diagnostics", "outlier"], "\(d.map(\.line))")
    #expect(d.allSatisfy { $0.line.hasSuffix("(informational: Monte Carlo diagnostic)") })
    // The same moves anywhere else in a report are differences at the default rtol 1e-9.
    let elsewhere = try Self.differences(moved, member: "trends")
    #expect(elsewhere.filter(\.isFailure).count == 8, "\(elsewhere.map(\.line))")
    let otherFile = try Self.differences(moved, file: "d/other.json")
    #expect(otherFile.filter(\.isFailure).count == 8)
  }

  /// A series' `relative_*` figures are judged by the width of their own interval (ln 1.5625 =
  /// 0.446), not the bias's (ln 4): relative_median 1 → 1.06 is 0.13 of its own width (the limit
  /// is 0.1) though 0.042 of the bias's; 1 → 1.03 is 0.066 and passes; the verdict is informational.
  @Test("A series' figure relative to the others is judged by its own interval's width")
  func relativeFiguresByTheirOwnWidth() throws {
    let within = try Self.differences([
      ("\"relative_median\": 1,", "\"relative_median\": 1.03,"), ("\"relative_high\": 1.25", "\"relative_high\": 1.3"),
      ("\"verdict\": \"in_line\"", "\"verdict\": \"uncertain\""),
    ])
    #expect(within.allSatisfy { !$0.isFailure }, "\(within.map(\.line))")
    #expect(within.map(\.column) == ["verdict"], "\(within.map(\.line))")
    let beyond = try Self.differences([("\"relative_median\": 1,", "\"relative_median\": 1.06,")])
    #expect(beyond.filter(\.isFailure).map(\.column) == ["relative_median"], "\(beyond.map(\.line))")
    let tail = try Self.differences([("\"relative_low\": 0.8", "\"relative_low\": 0.6")])  // 0.64 of its width
    #expect(tail.filter(\.isFailure).map(\.column) == ["relative_low"], "\(tail.map(\.line))")
  }

  @Test(
    "A level moved beyond its share of the interval fails, and so does any change of what the model is given",
    arguments: [
      ("\"median\": 100", "\"median\": 120", "median"),  // 0.13 of the width (the limit is 0.1)
      ("\"lo50\": 80", "\"lo50\": 66", "lo50"),
      ("\"lo90\": 50", "\"lo90\": 25", "lo90"),  // 0.5 of the width (the limit is 0.4)
      ("\"fitted\": 95", "\"fitted\": 115", "fitted"),
      ("\"outlier_probability\": 0.05", "\"outlier_probability\": 0.2", "outlier_probability"),
      ("\"sigma\": 0.42", "\"sigma\": 0.4200001", "sigma"), ("\"value\": 90", "\"value\": 90.0001", "value"),
      ("\"statements\": 1", "\"statements\": 2", "statements"), ("\"from\": 2000", "\"from\": 1999", "from"),
    ])
  func beyondTolerance(_ from: String, _ to: String, _ column: String) throws {
    let d = try Self.differences([(from, to)])
    #expect(d.filter(\.isFailure).map(\.column) == [column], "\(d.map(\.line))")
  }
}
