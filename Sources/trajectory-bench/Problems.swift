// The problems trajectory-bench times: synthetic ones of issue #28's sizes, or a data file in
// the format `TrajectoryStan.dataJSON` writes (1-based indices, as Stan reads it).
import Foundation
import StanParity
import Statistics

/// SplitMix64, for reproducible synthetic data.
struct Generator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
  mutating func normal() -> Double {
    let u = max(uniform(), 1e-300)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * uniform())
  }
}

/// The synthetic problem: a smooth log-level, series biases (0, 0.3, -0.2, 0.5), shared errors
/// in two groups (one in the small problem), the large problem's 2 outliers, and lower and upper
/// bounds and intervals among the points. Large: 50 statements over 22 years in 4 series (6
/// lower, 4 upper bounds and 4 intervals); small: 10 statements over 8 years in 2 series.
func problem(small: Bool = false) -> TrajectoryData {
  var g = Generator(state: 2028)
  let n = small ? 10 : 50
  let years = Array(2000..<(small ? 2008 : 2022))
  let seriesCount = small ? 2 : 4
  let truth = years.indices.map { log(20_000.0) + 0.8 * sin(Double($0) / 5) + 0.03 * Double($0) }
  let bias = [0.0, 0.3, -0.2, 0.5]
  let groupError = [0.15, -0.1]
  var statements: [TrajectoryStatement] = []
  for i in 0..<n {
    let year = Int(g.next() % UInt64(years.count))
    let series = i % seriesCount
    let group: Int? = small ? (i < 3 ? 0 : nil) : (i < 6 ? 0 : i < 11 ? 1 : nil)
    let sigma = 0.1 + 0.3 * g.uniform()
    var mu = truth[year] + bias[series] + (group.map { groupError[$0] } ?? 0)
    if i == 20 || i == 33 { mu += 2.5 }  // two outliers
    let value = mu + sigma * g.normal()
    let kind: TrajectoryObservationKind = i % 8 == 3 ? .lower : i % 12 == 5 ? .upper : i % 13 == 7 ? .interval : .point
    switch kind {
    case .lower:
      statements.append(
        .init(id: "s\(i)", year: year, series: series, group: group, kind: .lower, y: value - 0.3, sigma: sigma))
    case .upper:
      statements.append(
        .init(id: "s\(i)", year: year, series: series, group: group, kind: .upper, y: value + 0.3, sigma: sigma))
    case .interval:
      statements.append(
        .init(
          id: "s\(i)", year: year, series: series, group: group, kind: .interval, y: 0, low: value - 0.5,
          high: value + 0.5, sigma: sigma))
    case .point:
      statements.append(
        .init(id: "s\(i)", year: year, series: series, group: group, kind: .point, y: value, sigma: sigma))
    }
  }
  let sorted = statements.map(\.y).sorted()
  return TrajectoryData(
    years: years, statements: statements, series: Array(["a", "b", "c", "d"].prefix(seriesCount)),
    groups: small ? ["g0"] : ["g0", "g1"], priors: TrajectoryPriors(levelCenter: sorted[sorted.count / 2]))
}

/// Reads `path` (Stan's data.json, as `TrajectoryStan.dataJSON` writes it) as 0-based
/// `TrajectoryData`; names are made up.
func readProblem(_ path: String) throws -> TrajectoryData {
  try StanParity.trajectoryData(Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The draws of the year log-levels and the hyperparameters as CSV, one row per draw
/// (`.chain`, `.iteration` 1-based, then `x[1]`…`x[T]`, `tau`, `sigmaB`, `omega`), for R.
func drawsCSV(_ d: TrajectoryDraws) -> String {
  var out = ".chain,.iteration," + (1...d.yearCount).map { "x[\($0)]" }.joined(separator: ",") + ",tau,sigmaB,omega\n"
  for row in 0..<d.count {
    var fields = ["\(row / d.drawsPerChain + 1)", "\(row % d.drawsPerChain + 1)"]
    for t in 0..<d.yearCount { fields.append("\(d.logLevel(draw: row, year: t))") }
    fields += ["\(d.tau[row])", "\(d.sigmaB[row])", "\(d.omega[row])"]
    out += fields.joined(separator: ",") + "\n"
  }
  return out
}
