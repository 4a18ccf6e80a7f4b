// trajectory-bench: times `Trajectory.fit` on a synthetic problem of issue #28's size —
// 50 statements over 22 years, 4 series, 2 evidence groups, lower/upper bounds and intervals —
// with 4 chains of 1000 warmup and 1000 draws, and one gradient evaluation on its own.
// Usage: swift run -c release trajectory-bench [repeats] [threads]
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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

/// The synthetic problem: a smooth log-level, series biases (0, 0.3, -0.2, 0.5), two groups
/// with shared errors, 2 outliers, 6 lower and 4 upper bounds and 4 intervals.
func problem() -> TrajectoryData {
  var g = Generator(state: 2028)
  let years = Array(2000..<2022)
  let truth = years.indices.map { log(20_000.0) + 0.8 * sin(Double($0) / 5) + 0.03 * Double($0) }
  let bias = [0.0, 0.3, -0.2, 0.5]
  let groupError = [0.15, -0.1]
  var statements: [TrajectoryStatement] = []
  for i in 0..<50 {
    let year = Int(g.next() % UInt64(years.count))
    let series = i % 4
    let group: Int? = i < 6 ? 0 : i < 11 ? 1 : nil
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
    years: years, statements: statements, series: ["a", "b", "c", "d"], groups: ["g0", "g1"],
    priors: TrajectoryPriors(levelCenter: sorted[sorted.count / 2]))
}

/// CPU time of the whole process (all threads), in milliseconds.
func processMilliseconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) * 1e-6
}

func milliseconds(_ d: Duration) -> Double {
  Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
}

let arguments = CommandLine.arguments
if arguments.count > 1 && arguments[1] == "normal" {
  // A standard normal in 31 dimensions: the sampler's baseline cost.
  let target = ClosureLogDensity(dimension: 31) { theta, gradient in
    var lp = 0.0
    for i in 0..<31 {
      lp -= 0.5 * theta[i] * theta[i]
      gradient[i] = -theta[i]
    }
    return lp
  }
  do {
    let chains = try NUTS.sampleChains(chains: 4, threads: 1, seed: 1) { _ in target }
    print("leapfrogs per iteration \(Double(chains.reduce(0) { $0 + $1.leapfrogSteps }) / 8000)")
    print("step sizes \(chains.map(\.stepSize)), accept \(chains.map(\.meanAcceptance))")
  } catch {
    exit(1)
  }
  exit(0)
}
if arguments.count > 1 && arguments[1] == "dump" {
  // The unconstrained draws of 4 chains as CSV (chain, then θ), for studying the geometry.
  let data = problem()
  do {
    let chains = try NUTS.sampleChains(chains: 4, threads: 2, seed: 1) { _ throws(StatisticsError) in
      try TrajectoryDensity(data)
    }
    for (c, chain) in chains.enumerated() {
      for d in 0..<(chain.draws.count / chain.dimension) {
        let row = chain.draws[(d * chain.dimension)..<((d + 1) * chain.dimension)]
        print(([String(c)] + row.map { "\($0)" }).joined(separator: ","))
      }
    }
  } catch {
    print("error: \(error)")
    exit(1)
  }
  exit(0)
}
let repeats = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
let threadCounts = arguments.count > 2 ? [Int(arguments[2]) ?? 2] : [1, 2]
let data = problem()
let kinds = Dictionary(grouping: data.statements, by: \.kind).mapValues(\.count)
print(
  "problem: \(data.statements.count) statements, \(data.years.count) years, \(data.series.count) series,"
    + " \(data.groups.count) groups; kinds \(kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key): \($0.value)" })"
)

// One gradient evaluation.
do {
  let density = try TrajectoryDensity(data)
  var theta = [Double](repeating: 0.1, count: density.dimension)
  var gradient = theta
  // The best of 30 batches of 20,000 evaluations: other work on the machine only adds time.
  let clock = ContinuousClock()
  var sink = 0.0
  var per = Double.infinity
  for _ in 0..<30 {
    let start = clock.now
    for k in 0..<20_000 {
      theta[k % theta.count] += 1e-9
      sink += density.logDensity(theta, gradient: &gradient)
    }
    per = min(per, milliseconds(clock.now - start) * 1e6 / 20_000)
  }
  print("gradient: \((per * 10).rounded() / 10) ns per evaluation (dimension \(density.dimension)) [\(sink.isFinite)]")
} catch {
  print("error: \(error)")
  exit(1)
}

if repeats == 0 { exit(0) }
for threads in threadCounts {
  var times: [Double] = []
  var cpu: [Double] = []
  var last: TrajectoryResult?
  for _ in 0..<repeats {
    let clock = ContinuousClock()
    let start = clock.now
    let cpuStart = processMilliseconds()
    do {
      last = try Trajectory.fit(data, options: TrajectoryOptions(seed: 1, threads: threads))
    } catch {
      print("error: \(error)")
      exit(1)
    }
    times.append(milliseconds(clock.now - start))
    cpu.append(processMilliseconds() - cpuStart)
  }
  times.sort()
  cpu.sort()
  guard let r = last else { exit(1) }
  let d = r.diagnostics
  print(
    "threads \(threads): fit best \((times[0] * 10).rounded() / 10) ms, median \((times[times.count / 2] * 10).rounded() / 10) ms"
      + " of \(repeats) (CPU time best \((cpu[0] * 10).rounded() / 10) ms); leapfrog steps \(d.leapfrogSteps) (\((Double(d.leapfrogSteps) / 8000 * 10).rounded() / 10) per iteration);"
      + " min bulk ESS \(Int(d.minBulkESS)), min tail ESS \(Int(d.minTailESS)), max R-hat"
      + " \((d.maxRHat * 10000).rounded() / 10000), divergences \(d.divergences), max-depth hits \(d.maxTreeDepthHits),"
      + " step sizes \(d.stepSizes.map { ($0 * 1000).rounded() / 1000 })")
  if !r.warnings.isEmpty { print("  warnings: \(r.warnings)") }
  print(
    "  tau \(r.tau.median), sigmaB \(r.sigmaB.median), omega \(r.omega.median); outliers > 0.5:"
      + " \(r.statements.filter { $0.outlierProbability > 0.5 }.map(\.id))")
}
