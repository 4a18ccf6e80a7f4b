import Foundation
import Statistics

/// The summary tables and CSV files of trajectory-calibration.
enum Report {
  /// `x` with `digits` decimals.
  static func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }

  /// A p-value: 4 significant digits, or scientific below 0.001.
  static func p(_ x: Double) -> String { x.isNaN ? "nan" : x < 0.001 ? String(format: "%.2e", x) : f(x, 4) }

  /// The number of bins for `n` ranks in `0…maxRank`: the largest divisor of `maxRank + 1` up
  /// to `bins` that leaves at least 5 expected ranks per bin (at least 2 bins).
  static func bins(_ n: Int, maxRank: Int, most: Int) -> Int {
    let values = maxRank + 1
    let candidates = (2...max(2, min(most, values))).filter { values % $0 == 0 && n / $0 >= 5 }
    return candidates.last ?? 2
  }

  /// One line of the rank table.
  static func rankLine(_ name: String, _ ranks: [Int], _ settings: Settings) -> (line: String, p: Double) {
    let b = bins(ranks.count, maxRank: settings.thin, most: settings.bins)
    let u = TrajectorySimulation.uniformity(ranks: ranks, maxRank: settings.thin, bins: b)
    let line =
      name.padding(toLength: 44, withPad: " ", startingAt: 0)
      + String(format: "%6d %5d %9.2f %4d  ", u.count, b, u.statistic, u.degreesOfFreedom)
      + p(u.pValue)
    return (line, u.pValue)
  }

  /// Coverage pooled over all `(dataSet, covered)` pairs with its cluster-robust standard error
  /// (data sets as clusters: the years of one data set are not independent).
  static func coverage(_ groups: [[Bool]]) -> (rate: Double, se: Double, count: Int) {
    let total = groups.reduce(0) { $0 + $1.count }
    guard total > 0 else { return (.nan, .nan, 0) }
    let hits = groups.reduce(0) { $0 + $1.filter { $0 }.count }
    let rate = Double(hits) / Double(total)
    var v = 0.0
    for g in groups {
      let r = Double(g.filter { $0 }.count) - rate * Double(g.count)
      v += r * r
    }
    let k = Double(groups.count)
    let se = (k / max(k - 1, 1) * v).squareRoot() / Double(total)
    return (rate, se, total)
  }

  /// The fits' diagnostics in one paragraph.
  static func fits(_ outcomes: [Outcome], settings: Settings, seconds: Double) {
    let done = outcomes.filter { $0.check != nil }
    let d = done.compactMap(\.diagnostics)
    let times = done.map(\.seconds).sorted()
    print("fits: \(done.count) of \(outcomes.count) succeeded" + (done.count < outcomes.count ? " (errors below)" : ""))
    print(
      "  with divergences: \(d.filter { $0.divergences > 0 }.count) (\(d.reduce(0) { $0 + $1.divergences }) transitions);"
        + " max R-hat > 1.01: \(d.filter { !($0.maxRHat <= 1.01) }.count);"
        + " min bulk ESS < L = \(settings.thin): \(d.filter { !($0.minBulkESS >= Double(settings.thin)) }.count);"
        + " min bulk ESS < 400: \(d.filter { !($0.minBulkESS >= 400) }.count)")
    if !times.isEmpty {
      print(
        "  fit time: median \(f(times[times.count / 2], 2)) s, max \(f(times[times.count - 1], 2)) s;"
          + " wall time \(f(seconds / 60, 1)) min on \(settings.threads) threads")
    }
    for o in outcomes where o.error != nil { print("  data set \(o.index) (seed \(o.seed)): \(o.error ?? "")") }
  }

  /// The calibration summary of data sets drawn from the prior.
  static func prior(_ outcomes: [Outcome], settings: Settings, seconds: Double) {
    let done = outcomes.filter { $0.check != nil }
    print("== Simulation-based calibration: \(outcomes.count) data sets from the model's prior")
    fits(outcomes, settings: settings, seconds: seconds)
    print("")
    print("rank uniformity (chi-square; ranks in 0…\(settings.thin)):")
    print("quantity".padding(toLength: 44, withPad: " ", startingAt: 0) + " ranks  bins      chi2   df  p")
    let maxYears = done.map { $0.truth.logLevels.count }.max() ?? 0
    var yearP: [(year: Int, p: Double)] = []
    for t in 0..<maxYears {
      let ranks = done.compactMap { o in o.check.flatMap { t < $0.levelRanks.count ? $0.levelRanks[t] : nil } }
      guard ranks.count >= 10 else { continue }
      let r = rankLine("level, year \(t + 1)", ranks, settings)
      print(r.line)
      yearP.append((t + 1, r.p))
    }
    // One year per data set, chosen from its seed (not from its data): independent ranks.
    let oneYear = done.compactMap { o in o.check.map { $0.levelRanks[Int(o.seed % UInt64($0.levelRanks.count))] } }
    let pooled = done.flatMap { $0.check?.levelRanks ?? [] }
    var lines = [
      rankLine("level, one year per data set (by its seed)", oneYear, settings),
      rankLine("level, all years pooled (dependent ranks)", pooled, settings),
      rankLine("tau", done.compactMap { $0.check?.tauRank }, settings),
      rankLine("sigmaB", done.compactMap { $0.check?.sigmaBRank }, settings),
      rankLine("omega", done.compactMap { $0.check?.omegaRank }, settings),
    ]
    let bias = done.compactMap { o in o.check.flatMap { c in c.biasRanks.compactMap { $0 }.first } }
    lines.append(rankLine("bias, first non-reference series", bias, settings))
    for l in lines { print(l.line) }
    if let worst = yearP.min(by: { $0.p < $1.p }) {
      let k = yearP.count
      let below = yearP.filter { $0.p < 0.01 }.count
      print(
        "multiplicity: \(k) year tests; smallest p \(p(worst.p)) (year \(worst.year)), Bonferroni"
          + " \(p(min(1, Double(k) * worst.p))); p < 0.01 in \(below) of \(k) (expected \(f(0.01 * Double(k), 2)) by chance)"
      )
    }
    print("")
    let level = coverage(done.compactMap { $0.check?.levelCovered })
    print(
      "coverage of the level's 90% intervals: \(f(100 * level.rate, 2))% of \(level.count) years in \(done.count)"
        + " data sets (cluster-robust SE \(f(100 * level.se, 2)) points); the issue asks for 88–92%")
    var byYear: [Double] = []
    for t in 0..<maxYears {
      let c = done.compactMap { o in o.check.flatMap { t < $0.levelCovered.count ? $0.levelCovered[t] : nil } }
      if c.count >= 50 { byYear.append(Double(c.filter { $0 }.count) / Double(c.count)) }
    }
    if let lo = byYear.min(), let hi = byYear.max() {
      print("  per year index (with ≥ 50 data sets): \(f(100 * lo, 1))% to \(f(100 * hi, 1))%")
    }
    let tau = coverage(done.map { o in [o.tauInterval.low <= o.truth.tau && o.truth.tau <= o.tauInterval.high] })
    let biases = coverage(done.compactMap { $0.check?.biasCovered })
    print(
      "  tau: \(f(100 * tau.rate, 2))% (SE \(f(100 * tau.se, 2))); series biases: \(f(100 * biases.rate, 2))%"
        + " (SE \(f(100 * biases.se, 2)), reference series counted as covered)")
  }

  /// The summary of the misspecified data sets.
  static func misspecified(_ outcomes: [Outcome], settings: Settings, seconds: Double) {
    let done = outcomes.filter { $0.check != nil }
    let s = TrajectorySimulation.Settings.misspecified
    print(
      "== Misspecification: \(outcomes.count) data sets, one series' bias fixed at \(f(s.biasedSeriesLogBias ?? .nan, 4))"
        + " (×\(f(exp(s.biasedSeriesLogBias ?? .nan), 2))) and stating at least \(s.biasedSeriesMinimum) of"
        + " \(s.statements.lowerBound)–\(s.statements.upperBound) statements, an outlying source stating \(Int(100 * s.outlyingFraction))%"
        + " of the statements with a further sd of \(s.outlyingExtraSD); the model fitted unchanged")
    fits(outcomes, settings: settings, seconds: seconds)
    let withReference = done.filter { $0.data.reference != nil }
    let without = done.filter { $0.data.reference == nil }
    let all = coverage(done.compactMap { $0.check?.levelCovered })
    let a = coverage(withReference.compactMap { $0.check?.levelCovered })
    let b = coverage(without.compactMap { $0.check?.levelCovered })
    print(
      "coverage of the level's 90% intervals: \(f(100 * all.rate, 2))% (cluster-robust SE \(f(100 * all.se, 2)));"
        + " with a reference series \(f(100 * a.rate, 2))% (\(withReference.count) data sets), without"
        + " \(f(100 * b.rate, 2))% (\(without.count)); the issue asks for at least 80%")
    flags(done, withReference: withReference, without: without)
    let outlying = done.map(\.outlierProbability.outlying).filter { !$0.isNaN }
    let rest = done.map(\.outlierProbability.others).filter { !$0.isNaN }
    if !outlying.isEmpty {
      print(
        "  mean posterior outlier probability: outlying source's statements \(f(outlying.reduce(0, +) / Double(outlying.count)))"
          + ", the others' \(f(rest.reduce(0, +) / Double(max(rest.count, 1))))")
    }
  }

  /// The true contrasts of data set `o`'s series, as `TrajectorySeriesBias.logContrast` defines
  /// the fitted ones: the true log-biases less 0 (with a reference) or less the median of the
  /// other series' (0 for a lone series).
  static func trueContrasts(_ o: Outcome) -> [Double] {
    let b = o.truth.logBiases
    var scratch: [Double] = []
    return b.indices.map { k in
      b[k] - Trajectory.yardstick(of: k, among: b[...], reference: o.data.reference, scratch: &scratch)
    }
  }

  /// How often the fit flags the biased series (`TrajectorySeriesBias.flagged`: with 90%
  /// probability it states 1.5 times its yardstick or more, or 1/1.5 or less), by reference and
  /// by its number of statements; the false flags (other model series whose true contrast lies
  /// within a factor of 1.5 of the yardstick); and, for comparison, the older criterion (the
  /// bias's 90% interval excludes 0).
  static func flags(_ done: [Outcome], withReference: [Outcome], without: [Outcome]) {
    func rate(_ k: Int, _ n: Int) -> String { "\(k) of \(n) = \(f(100 * Double(k) / Double(max(n, 1)), 1))%" }
    func flagged(_ set: [Outcome]) -> (Int, Int) {
      let f = set.filter { o in
        o.truth.biasedSeries.map { o.biasFlags.indices.contains($0) && o.biasFlags[$0] } ?? false
      }
      return (f.count, set.count)
    }
    func excludesZero(_ set: [Outcome]) -> (Int, Int) {
      let f = set.filter { o in o.truth.biasedSeries.map { o.check?.biasExcludesZero[$0] ?? false } ?? false }
      return (f.count, set.count)
    }
    let (fAll, nAll) = flagged(done)
    let (fRef, nRef) = flagged(withReference)
    let (fNo, nNo) = flagged(without)
    print(
      "biased series flagged (P(states ≥ 1.5× or ≤ 1/1.5× its yardstick) ≥ 0.9; the yardstick the reference"
        + " series, else the median of the other series): \(rate(fAll, nAll)); with a reference \(rate(fRef, nRef)), without"
        + " \(rate(fNo, nNo)); the issue asks for at least 80%")
    var byCount: [String] = []
    for (name, range) in [("1–3", 1...3), ("4–6", 4...6), ("7–10", 7...10), ("11+", 11...Int.max)] {
      let set = done.filter { o in
        o.truth.biasedSeries.map { k in range.contains(o.data.statements.filter { $0.series == k }.count) } ?? false
      }
      let (k, n) = flagged(set)
      byCount.append("\(name): \(k) of \(n)")
    }
    print("  by the biased series' number of statements: " + byCount.joined(separator: ", "))
    // What the analyst sees: how tightly the statements pin the contrast (its 90% interval's
    // width, log scale) — where it is narrow the flag has power, where it is wide it cannot.
    var byWidth: [String] = []
    for (name, range) in [
      ("< 0.8", 0.0..<0.8), ("0.8–1.0", 0.8..<1.0), ("1.0–1.2", 1.0..<1.2), ("≥ 1.2", 1.2..<Double.infinity),
    ] {
      let set = done.filter { o in
        o.truth.biasedSeries.map { k in
          o.contrasts.indices.contains(k) && range.contains(o.contrasts[k].q95 - o.contrasts[k].q05)
        }
          ?? false
      }
      let (k, n) = flagged(set)
      byWidth.append("\(name): \(rate(k, n))")
    }
    print(
      "  by the width of its contrast's 90% interval (log scale; 0.8 is a factor of 2.2): "
        + byWidth.joined(separator: ", "))
    var byOmega: [String] = []
    for (name, range) in [
      ("< 0.2", 0.0..<0.2), ("0.2–0.4", 0.2..<0.4), ("0.4–0.8", 0.4..<0.8), ("≥ 0.8", 0.8..<Double.infinity),
    ] {
      let (k, n) = flagged(done.filter { range.contains($0.truth.omega) })
      byOmega.append("\(name): \(rate(k, n))")
    }
    print(
      "  by the data set's true omega (error beyond the statements' own sd, drawn from its prior): "
        + byOmega.joined(separator: ", "))
    var falseFlags = (k: 0, n: 0)
    var trueFlags = (k: 0, n: 0)
    var outlyingFlags = (k: 0, n: 0)
    var biasCovered = 0
    // The verdicts (`TrajectorySeriesBias.Verdict`): the threefold series must never be called
    // in line; a series within a factor of 1.5 of its yardstick should rarely be flagged.
    var biasedVerdicts: [TrajectorySeriesBias.Verdict: Int] = [:]
    var otherVerdicts: [TrajectorySeriesBias.Verdict: Int] = [:]
    for o in done {
      guard let c = o.check, let biased = o.truth.biasedSeries, o.biasFlags.count == o.truth.logBiases.count,
        o.verdicts.count == o.biasFlags.count
      else { continue }
      if c.biasCovered[biased] { biasCovered += 1 }
      biasedVerdicts[o.verdicts[biased], default: 0] += 1
      let truth = trueContrasts(o)
      for k in o.biasFlags.indices where k != biased && k != o.data.reference {
        let flag = o.biasFlags[k] ? 1 : 0
        if k == o.truth.outlyingSeries {
          outlyingFlags = (outlyingFlags.k + flag, outlyingFlags.n + 1)
        } else if abs(truth[k]) < log(TrajectorySeriesBias.flagFactor) {
          falseFlags = (falseFlags.k + flag, falseFlags.n + 1)
          otherVerdicts[o.verdicts[k], default: 0] += 1
        } else {
          trueFlags = (trueFlags.k + flag, trueFlags.n + 1)
        }
      }
    }
    print(
      "  false flags: other model series whose true contrast is within a factor of 1.5 flagged in"
        + " \(rate(falseFlags.k, falseFlags.n)); those beyond 1.5 (drawn so from the prior) in \(rate(trueFlags.k, trueFlags.n));"
        + " the outlying source in \(rate(outlyingFlags.k, outlyingFlags.n))")
    func verdicts(_ counts: [TrajectorySeriesBias.Verdict: Int]) -> String {
      let n = counts.values.reduce(0, +)
      return [TrajectorySeriesBias.Verdict.flagged, .uncertain, .inLine].map { v in
        "\(v.rawValue) \(rate(counts[v] ?? 0, n))"
      }
      .joined(separator: ", ")
    }
    print(
      "  verdicts: the biased series \(verdicts(biasedVerdicts)); other model series within a factor of 1.5 \(verdicts(otherVerdicts))"
    )
    // The contrast's own 90% interval excluding 0, for comparison.
    var contrastFlags = (biased: 0, n: 0, falseK: 0, falseN: 0)
    for o in done {
      guard let biased = o.truth.biasedSeries, o.contrasts.count == o.truth.logBiases.count else { continue }
      let truth = trueContrasts(o)
      for (k, c) in o.contrasts.enumerated() where k != o.data.reference {
        let excludes = c.q05 > 0 || c.q95 < 0
        if k == biased {
          contrastFlags.biased += excludes ? 1 : 0
          contrastFlags.n += 1
        } else if k != o.truth.outlyingSeries, abs(truth[k]) < log(TrajectorySeriesBias.flagFactor) {
          contrastFlags.falseK += excludes ? 1 : 0
          contrastFlags.falseN += 1
        }
      }
    }
    print(
      "  the contrast's 90% interval excludes 0: the biased series \(rate(contrastFlags.biased, contrastFlags.n));"
        + " other model series within a factor of 1.5 \(rate(contrastFlags.falseK, contrastFlags.falseN))")
    let medians = done.compactMap { o in
      o.truth.biasedSeries.flatMap { o.contrasts.indices.contains($0) ? o.contrasts[$0].q50 : nil }
    }
    .sorted()
    if !medians.isEmpty {
      print(
        "  the biased series' posterior median contrast (true log 3 = 1.099 less the yardstick's share): median"
          + " \(f(medians[medians.count / 2])), quartiles \(f(medians[medians.count / 4]))–\(f(medians[3 * medians.count / 4]))"
      )
    }
    let (zAll, zN) = excludesZero(done)
    print(
      "  the biased series' 90% bias interval excludes 0 (the criterion before): \(rate(zAll, zN)); it holds log 3"
        + " in \(biasCovered) of \(done.count)")
  }

  /// The number of statements of series `k` (empty for no series).
  static func count(_ o: Outcome, _ k: Int?) -> String {
    k.map { k in String(o.data.statements.filter { $0.series == k }.count) } ?? ""
  }

  /// Writes `ranks.csv` (one row per quantity of each data set) and `datasets.csv`.
  static func writeCSV(_ outcomes: [Outcome], settings: Settings) throws {
    var ranks = "simulation,dataset,seed,quantity,index,rank,draws,truth,low,high,covered\n"
    var sets =
      "simulation,dataset,seed,T,N,S,G,reference,biased_series,outlying_series,tau,sigmaB,omega,"
      + "biased_statements,outlying_statements,divergences,max_rhat,min_bulk_ess,min_tail_ess,seconds,error\n"
    func row(_ o: Outcome, _ q: String, _ i: Int, _ rank: Int?, _ truth: Double, _ ci: (low: Double, high: Double)) {
      let covered = ci.low <= truth && truth <= ci.high
      let r = rank.map(String.init) ?? ""
      ranks +=
        "\(o.simulation),\(o.index),\(o.seed),\(q),\(i),\(r),\(settings.thin),\(truth),\(ci.low),\(ci.high),\(covered)\n"
    }
    for o in outcomes {
      let d = o.data
      let one = { (x: Int?) in x.map { String($0 + 1) } ?? "" }
      sets +=
        "\(o.simulation),\(o.index),\(o.seed),\(d.years.count),\(d.statements.count),\(d.series.count),\(d.groups.count),"
        + "\(one(d.reference)),\(one(o.truth.biasedSeries)),\(one(o.truth.outlyingSeries)),\(o.truth.tau),\(o.truth.sigmaB),"
        + "\(o.truth.omega),\(count(o, o.truth.biasedSeries)),\(count(o, o.truth.outlyingSeries)),"
        + "\(o.diagnostics.map { String($0.divergences) } ?? ""),\(o.diagnostics.map { "\($0.maxRHat)" } ?? ""),"
        + "\(o.diagnostics.map { "\($0.minBulkESS)" } ?? ""),\(o.diagnostics.map { "\($0.minTailESS)" } ?? ""),"
        + "\(f(o.seconds, 3)),\"\((o.error ?? "").replacingOccurrences(of: "\"", with: "'"))\"\n"
      guard let c = o.check else { continue }
      for (t, x) in o.truth.logLevels.enumerated() { row(o, "level", t + 1, c.levelRanks[t], x, o.levelIntervals[t]) }
      for (k, b) in o.truth.logBiases.enumerated() { row(o, "bias", k + 1, c.biasRanks[k], b, o.biasIntervals[k]) }
      row(o, "tau", 1, c.tauRank, o.truth.tau, o.tauInterval)
      row(o, "sigmaB", 1, c.sigmaBRank, o.truth.sigmaB, o.sigmaBInterval)
      row(o, "omega", 1, c.omegaRank, o.truth.omega, o.omegaInterval)
    }
    var flags =
      "simulation,dataset,series,role,statements,true_contrast,flag_probability,contrast_q05,contrast_q50,contrast_q95,flagged\n"
    for o in outcomes where o.contrasts.count == o.truth.logBiases.count {
      let truth = trueContrasts(o)
      for k in o.contrasts.indices {
        let role =
          k == o.truth.biasedSeries
          ? "biased" : k == o.truth.outlyingSeries ? "outlying" : k == o.data.reference ? "reference" : "other"
        let c = o.contrasts[k]
        flags +=
          "\(o.simulation),\(o.index),\(k + 1),\(role),\(o.data.statements.filter { $0.series == k }.count),\(truth[k]),"
          + "\(o.flagProbabilities[k]),\(c.q05),\(c.q50),\(c.q95),\(o.biasFlags[k])\n"
      }
    }
    try flags.write(toFile: settings.output + "/flags.csv", atomically: true, encoding: .utf8)
    try ranks.write(toFile: settings.output + "/ranks.csv", atomically: true, encoding: .utf8)
    try sets.write(toFile: settings.output + "/datasets.csv", atomically: true, encoding: .utf8)
  }
}
