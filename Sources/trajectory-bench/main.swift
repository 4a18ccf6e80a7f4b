// trajectory-bench: times `Trajectory.fit` on a synthetic problem of issue #28's size —
// 50 statements over 22 years, 4 series, 2 evidence groups, lower/upper bounds and intervals —
// with 4 chains of 1000 warmup and 1000 draws, and one gradient evaluation on its own.
// Usage: swift run -c release trajectory-bench [repeats] [threads] [options]
//   --small            the small problem (10 statements over 8 years, 2 series, 1 group)
//   --data FILE        the problem in FILE (Stan's data.json, as TrajectoryStan.dataJSON writes)
//   --write-data DIR   write the problem as DIR/data.json and stop
//   --warmup N, --draws N, --seed N, --delta D, --metric dense|diagonal
//   --walk centred|levels|noncentred, --biases centred|noncentred, --omega signed|log (any of them:
//                      these coordinates, the others non-centred, instead of the pilot's choice)
//                      fit options (defaults: TrajectoryOptions')
//   --draws-csv FILE   write the last fit's draws (x, tau, sigmaB, omega) as CSV, for R
//   --json             one JSON line of results instead of the text report; no gradient timing
//   normal | dump      (first argument) the sampler on a 31-dimensional standard normal; the
//                      unconstrained draws of the large problem as CSV
import Foundation
import Numerics
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// CPU time of the whole process (all threads), in milliseconds.
func processMilliseconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) * 1e-6
}

func milliseconds(_ d: Duration) -> Double {
  Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
}

BLASThreads.useOne()
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
// Options after the positional repeats and threads.
var positional: [String] = []
var flags: [String: String] = [:]
var small = false
var json = false
do {
  var k = 1
  while k < arguments.count {
    let a = arguments[k]
    if a == "--small" {
      small = true
    } else if a == "--json" {
      json = true
    } else if a.hasPrefix("--") {
      guard k + 1 < arguments.count else {
        print("error: \(a) needs a value")
        exit(2)
      }
      flags[a] = arguments[k + 1]
      k += 1
    } else {
      positional.append(a)
    }
    k += 1
  }
}
let repeats = positional.count > 0 ? Int(positional[0]) ?? 5 : 5
let threadCounts = positional.count > 1 ? [Int(positional[1]) ?? 2] : [1, 2]
let data: TrajectoryData
do {
  data = try flags["--data"].map { try readProblem($0) } ?? problem(small: small)
} catch {
  print("error: \(error)")
  exit(1)
}
if let dir = flags["--write-data"] {
  do {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try TrajectoryStan.dataJSON(data).write(toFile: dir + "/data.json", atomically: true, encoding: .utf8)
  } catch {
    print("error: \(error)")
    exit(1)
  }
  exit(0)
}
var fitOptions = TrajectoryOptions(seed: 1)
if let v = flags["--warmup"].flatMap({ Int($0) }) { fitOptions.warmup = v }
if let v = flags["--draws"].flatMap({ Int($0) }) { fitOptions.draws = v }
if let v = flags["--seed"].flatMap({ UInt64($0) }) { fitOptions.seed = v }
if let v = flags["--delta"].flatMap({ Double($0) }) { fitOptions.targetAcceptance = v }
if flags["--walk"] != nil || flags["--biases"] != nil || flags["--omega"] != nil {
  // Fixed coordinates instead of the fit's pilot run's choice.
  var p = TrajectoryParameterisation.nonCentred
  if flags["--walk"] == "centred" { p.stepWeights = Array(repeating: 0, count: data.years.count) }
  p.centredLevels = flags["--walk"] == "levels"
  if flags["--biases"] == "centred" { p.biasWeights = Array(repeating: 0, count: data.series.count) }
  p.signedOmega = flags["--omega"] == "signed"
  fitOptions.parameterisation = p
}
if let v = flags["--metric"] { fitOptions.metric = v == "diagonal" ? .diagonal : .dense }
if json {
  // Timings of `repeats` fits and the last fit's diagnostics, on one line.
  var wall: [Double] = []
  var cpu: [Double] = []
  var last: TrajectoryResult?
  for _ in 0..<max(repeats, 1) {
    let clock = ContinuousClock()
    let start = clock.now
    let cpuStart = processMilliseconds()
    do {
      fitOptions.threads = threadCounts[0]
      last = try Trajectory.fit(data, options: fitOptions)
    } catch {
      print("error: \(error)")
      exit(1)
    }
    wall.append(milliseconds(clock.now - start))
    cpu.append(processMilliseconds() - cpuStart)
  }
  guard let r = last else { exit(1) }
  if let path = flags["--draws-csv"] {
    do {
      try drawsCSV(r.draws).write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      print("error: \(error)")
      exit(1)
    }
  }
  let d = r.diagnostics
  print(
    "{\"wall_ms\": \(wall), \"cpu_ms\": \(cpu), \"leapfrog_steps\": \(d.leapfrogSteps),"
      + " \"iterations\": \(fitOptions.chains * (d.warmupPerChain + fitOptions.draws)), \"min_bulk_ess\": \(d.minBulkESS), \"min_tail_ess\": \(d.minTailESS),"
      + " \"max_rhat\": \(d.maxRHat), \"divergences\": \(d.divergences), \"max_depth_hits\": \(d.maxTreeDepthHits),"
      + " \"step_sizes\": \(d.stepSizes), \"threads\": \(threadCounts[0]),"
      + " \"centred\": \(r.parameterisation != .nonCentred && r.parameterisation != .nonCentredSignedOmega)}")
  exit(0)
}

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
      fitOptions.threads = threads
      last = try Trajectory.fit(data, options: fitOptions)
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
      + " of \(repeats) (CPU time best \((cpu[0] * 10).rounded() / 10) ms); leapfrog steps \(d.leapfrogSteps) (\((Double(d.leapfrogSteps) / Double(fitOptions.chains * (d.warmupPerChain + fitOptions.draws)) * 10).rounded() / 10) per iteration);"
      + " min bulk ESS \(Int(d.minBulkESS)), min tail ESS \(Int(d.minTailESS)), max R-hat"
      + " \((d.maxRHat * 10000).rounded() / 10000), divergences \(d.divergences), max-depth hits \(d.maxTreeDepthHits),"
      + " step sizes \(d.stepSizes.map { ($0 * 1000).rounded() / 1000 })")
  if !r.warnings.isEmpty { print("  warnings: \(r.warnings)") }
  print(
    "  tau \(r.tau.median), sigmaB \(r.sigmaB.median), omega \(r.omega.median); outliers > 0.5:"
      + " \(r.statements.filter { $0.outlierProbability > 0.5 }.map(\.id))")
}
