#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The Bayesian trajectory model (issue #28): its posterior (`TrajectoryDensity`) sampled by
/// `NUTS`, summarised per year, series and statement.
public enum Trajectory {
  /// Fits the trajectory model to `data`.
  ///
  /// Runs `options.chains` NUTS chains (chain `c` on stream `c` of `options.seed`, so the
  /// result is the same whatever `options.threads`, and the same on every run on one machine;
  /// see `TrajectoryDensity` on machines without AVX2), then computes each draw's log-levels,
  /// biases, `mu` and outlier responsibilities. Summaries use type-7 quantiles; diagnostics are
  /// those of `PosteriorDiagnostics` over the year levels and the three hyperparameters.
  ///
  /// The coordinates (`options.parameterisation`, unless set): with a statement a year or
  /// more and no divergence in a short centred pilot run, the walk and the biases (mostly)
  /// centred (`TrajectoryParameterisation.centred(for:)`) with the pilot's covariance as the
  /// metric (dense, or its diagonal for a lone series), kept, and a fifth of `options.warmup` to reach
  /// the typical set and adapt the step size (the pilot did the metric's adaptation; on the
  /// 50-statement problem of scripts/bench, six seeds, 13% fewer leapfrog steps per effective
  /// draw than half the warmup with the windows' metric, and fewer divergences), which is
  /// several times faster where the data pin the levels; the fit is
  /// redone in Stan's non-centred coordinates (omega signed, diagonal metric) when the centred
  /// one shows a funnel after all (`healthy`), and those are used directly for sparser data.
  /// The posterior is the same in all of them.
  ///
  /// - Throws: `StatisticsError.invalidInput` when the data or options are invalid;
  ///   `StatisticsError.numerical` when the sampler cannot start (no finite initial point or
  ///   step size).
  public static func fit(
    _ data: TrajectoryData, options: TrajectoryOptions = TrajectoryOptions()
  ) throws(StatisticsError) -> TrajectoryResult {
    try data.validate()
    try options.validate()
    if let chosen = options.parameterisation { return try run(data, options: options, parameterisation: chosen) }
    // Centred where the data are dense (a statement a year or more) and a pilot finds no
    // funnel, unless the fit then shows one after all.
    var spent = 0  // leapfrog steps of the pilot and of fits not kept, counted in the result's
    if data.statements.count >= data.years.count {
      let pilot = try centredPilot(data, options: options)
      spent += pilot.leapfrogSteps
      if pilot.noFunnel {
        // Started from the pilot's metric, which they keep, the chains only reach the typical
        // set and adapt their step size: a fifth of the warmup. The step size adapts to an
        // acceptance of at least 0.9, and a chain with a divergent transition is redone at
        // 0.95 (`run`'s retries; the other chains kept): smaller steps that keep the fit out of
        // Stan's coordinates, which cost five to seven times as much (50 statements over 22
        // years, 40 seeds: at 0.8, 15 of 32 centred fits had a divergent transition; at 0.9, 2
        // of 40, and those two none at 0.95). Until 2026-12-07 13:45 UTC the whole fit was
        // redone, all four chains: twice the cost, for 3 of 30 seeds.
        var shorter = options
        shorter.warmup = options.warmup / 5
        let ladder = Set(centredTargetAcceptances.map { max(options.targetAcceptance, $0) }).sorted()
        shorter.targetAcceptance = ladder[0]
        var result = try run(
          data, options: shorter, parameterisation: .centred(for: data), initialInverseMetric: pilot.covariance,
          keepsInitialMetric: true, retries: Array(ladder.dropFirst()))
        result.diagnostics.leapfrogSteps += spent
        if healthy(result.diagnostics, draws: result.draws.count) { return result }
        spent = result.diagnostics.leapfrogSteps
      }
    }
    // Stan's program's coordinates with omega signed (w, omega = |w|): a chain passes through
    // omega = 0, where data that say little about it put much of its mass; elsewhere its two
    // mirror halves can cost mixing. Neither that nor log omega wins on every data set (Stan's 20
    // reference data sets at 1,000 draws, seed 1: signed, random-03 bulk ESS 60, R-hat 1.06, 5
    // divergent transitions, where log omega gives 1,399, 1.0033, none; log, random-10 ESS 159,
    // R-hat 1.029, 12 divergent, where signed is clean), so a signed fit that is not healthy is
    // redone with log omega, Stan's own coordinates, kept if it is healthy; else the signed fit
    // stands. The leapfrog steps of every fit count in the one returned.
    var signed = try run(data, options: options, parameterisation: .nonCentredSignedOmega)
    signed.diagnostics.leapfrogSteps += spent
    if healthy(signed.diagnostics, draws: signed.draws.count) { return signed }
    var logOmega = try run(data, options: options, parameterisation: .nonCentred)
    logOmega.diagnostics.leapfrogSteps += signed.diagnostics.leapfrogSteps
    if healthy(logOmega.diagnostics, draws: logOmega.draws.count) { return logOmega }
    signed.diagnostics.leapfrogSteps = logOmega.diagnostics.leapfrogSteps
    return signed
  }

  /// The target acceptances a centred fit's step size adapts to, in turn, while it diverges
  /// (each at least the options').
  static let centredTargetAcceptances = [0.9, 0.95]

  /// A fit in `parameterisation` (the metric, unless set, dense when anything is centred),
  /// its metric starting from `initialInverseMetric` when given (see `NUTSOptions`). Each of
  /// `retries`, in turn, is a target acceptance at which every chain that had a divergent
  /// transition is run again, on its own stream, the others kept: each chain is a valid chain
  /// of the posterior at any step size, and the fit's diagnostics judge them together. The
  /// leapfrog steps of the chains replaced count in the result's.
  static func run(
    _ data: TrajectoryData, options: TrajectoryOptions, parameterisation: TrajectoryParameterisation,
    initialInverseMetric: [Double]? = nil, keepsInitialMetric: Bool = false, retries: [Double] = []
  ) throws(StatisticsError) -> TrajectoryResult {
    let centred = parameterisation.stepWeights.contains { $0 < 1 } || parameterisation.biasWeights.contains { $0 < 1 }
    let metric = options.metric ?? (centred ? .dense : .diagonal)
    var initial = initialInverseMetric
    if metric == .diagonal, let dense = initial {
      let n = Int(Double(dense.count).squareRoot())
      initial = (0..<n).map { dense[$0 * n + $0] }
    }
    let nuts = NUTSOptions(
      warmup: options.warmup, draws: options.draws, maxTreeDepth: options.maxTreeDepth,
      targetAcceptance: options.targetAcceptance, metric: metric, initialInverseMetric: initial,
      keepsInitialMetric: keepsInitialMetric)
    let makeTarget = { @Sendable (_: Int) throws(StatisticsError) -> TrajectoryDensity in
      try TrajectoryDensity(data, parameterisation: parameterisation)
    }
    var chains = try NUTS.sampleChains(
      chains: options.chains, threads: options.threads, options: nuts, seed: options.seed, makeTarget: makeTarget)
    var replaced = 0
    for acceptance in retries {
      let diverged = chains.indices.filter { chains[$0].divergences > 0 }
      if diverged.isEmpty { break }
      var again = nuts
      again.targetAcceptance = acceptance
      let redone = try NUTS.sampleChains(
        indices: diverged, threads: options.threads, options: again, seed: options.seed, makeTarget: makeTarget)
      for (k, c) in diverged.enumerated() {
        replaced += chains[c].leapfrogSteps
        chains[c] = redone[k]
      }
    }
    let density = try TrajectoryDensity(data, parameterisation: parameterisation)
    let draws = quantities(chains, density: density, options: options)
    var result = summarise(data: data, draws: draws, chains: chains, level: options.level, threads: options.threads)
    result.diagnostics.warmupPerChain = options.warmup
    result.diagnostics.leapfrogSteps += replaced
    result.parameterisation = parameterisation
    return result
  }

  /// Whether a centred fit is kept: no divergent transition, R-hat at most 1.01, and a bulk ESS
  /// of at least 400 or a tenth of the draws. Otherwise the funnel a centred walk meets where the
  /// data do not pin it is there, and the fit is redone non-centred (Stan's program's
  /// coordinates, where the funnel is a plain normal). Not even one divergence: a divergent
  /// transition is a region the chain could not enter, and the draws may then miss it (one of
  /// Stan's 20 reference data sets, random-09, gave 53 divergent transitions in 40,000 centred
  /// draws, none in Stan's coordinates; until 2026-12-07 one in 400 was tolerated).
  static func healthy(_ c: TrajectoryConvergence, draws: Int) -> Bool {
    c.divergences == 0 && c.maxRHat <= 1.01 && c.minBulkESS >= min(400, Double(draws) / 10)
  }

  /// A short pilot run: one chain of 150 warmup iterations and 300 draws in centred levels
  /// (`pilotParameterisation`, diagonal metric; its draws then carried to the fit's coordinates,
  /// `TrajectoryParameterisation.centred(for:)`, by `walkCoordinates`) on stream
  /// `options.chains` of the seed, which no chain of the fit uses, at a target acceptance of
  /// 0.6: its larger steps make a funnel diverge within so few draws (at 0.8 the pilot missed
  /// half the funnels of the reference data sets). `noFunnel` when none of its draws diverged: a divergence says the posterior has a funnel there (tau or sigmaB small
  /// against what the data resolve), which the non-centred coordinates, as Stan's program's,
  /// avoid. `covariance`: its draws' covariance, regularised as the metric windows', to start
  /// the fit's dense metric from instead of the identity (under which the first 150
  /// iterations of each chain took more than half of the warmup's leapfrog steps). 300 draws,
  /// not 150: the better covariance gives larger steps and fewer divergences (50 statements
  /// over 22 years, seeds 1–40: CPU per effective draw about 10% less, and the two fits that
  /// needed the second try at acceptance 0.95 no longer do).
  static func centredPilot(_ data: TrajectoryData, options: TrajectoryOptions) throws(StatisticsError) -> (
    noFunnel: Bool, covariance: [Double], leapfrogSteps: Int
  ) {
    let main = TrajectoryParameterisation.centred(for: data)
    let levels = pilotParameterisation(main)
    var density = try TrajectoryDensity(data, parameterisation: levels)
    let pilot = try NUTS.sample(
      &density,
      options: NUTSOptions(warmup: 150, draws: 300, maxTreeDepth: options.maxTreeDepth, targetAcceptance: 0.6),
      seed: options.seed,
      chain: options.chains)
    let n = pilot.dimension
    let count = pilot.draws.count / max(n, 1)
    let draws = walkCoordinates(pilot.draws, count: count, dimension: n, data: data, from: levels, to: main)
    var mean = [Double](repeating: 0, count: n)
    for d in 0..<count { for i in 0..<n { mean[i] += draws[d * n + i] / Double(count) } }
    var covariance = [Double](repeating: 0, count: n * n)
    let w = Double(count)
    for j in 0..<n {
      for i in j..<n {
        var s = 0.0
        for d in 0..<count { s += (draws[d * n + i] - mean[i]) * (draws[d * n + j] - mean[j]) }
        let value = (w / (w + 5)) * (s / (w - 1)) + (i == j ? 1e-3 * (5 / (w + 5)) : 0)
        covariance[j * n + i] = value
        covariance[i * n + j] = value
      }
    }
    return (pilot.divergences == 0, covariance, pilot.leapfrogSteps)
  }

  /// The pilot's coordinates for a fit in `main`: the levels themselves centred
  /// (`TrajectoryParameterisation.centredLevels`), the biases and omega as in `main`. A statement
  /// pins its year's level, so in the levels the posterior is nearly diagonal and the pilot's
  /// diagonal metric takes large steps; in `main`'s partly centred steps each level is a sum of
  /// steps, the diagonal metric needed steps about a fifth as large (50 statements over 22 years,
  /// seeds 1–6: 33,000 leapfrog steps for the pilot's 450 iterations, 10,000 in the levels). Its
  /// draws are carried to `main`'s coordinates (`walkCoordinates`) for the covariance. The levels
  /// are the more funnel-prone of the two (each level against tau, not a quarter of it): a pilot
  /// that finds no funnel there finds none in `main`.
  static func pilotParameterisation(_ main: TrajectoryParameterisation) -> TrajectoryParameterisation {
    if main.centredLevels { return main }
    return TrajectoryParameterisation(biasWeights: main.biasWeights, signedOmega: main.signedOmega, centredLevels: true)
  }

  /// `count` draws (`dimension` values each) in `from` carried to `to`, where the two differ only
  /// in the walk: `from` with centred levels, `θ[t] = x[t] - levelCenter` (no lone series' shift),
  /// `to` a walk, `θ[0] = (x[0] - levelCenter)/levelScale` and `θ[t] = (x[t] - x[t-1])/tau^(k/4)`
  /// (`k` of the step's weight `k/4`, tau = exp θ[T]); every other coordinate is the same. The
  /// draws unchanged when `from` is `to`.
  static func walkCoordinates(
    _ draws: [Double], count: Int, dimension n: Int, data: TrajectoryData, from: TrajectoryParameterisation,
    to: TrajectoryParameterisation
  ) -> [Double] {
    guard from != to, from.centredLevels, !to.centredLevels, data.series.count > 1 else { return draws }
    let t = data.years.count
    let scale = data.priors.levelScale
    var out = draws
    for d in 0..<count {
      let row = d * n
      let tau = exp(draws[row + t])
      out[row] = draws[row] / scale
      for k in 1..<max(t, 1) {
        let power = Double(TrajectoryParameterisation.quarters(to.stepWeights, k)) / 4
        out[row + k] = (draws[row + k] - draws[row + k - 1]) / pow(tau, power)
      }
    }
    return out
  }

  /// Per-draw quantities: the raw draws plus, per statement, its `mu` draws (statement-major)
  /// and the sum of its outlier responsibilities.
  struct Quantities {
    var draws: TrajectoryDraws
    var mu: [Double]
    var outlierSum: [Double]
  }

  static func quantities(_ chains: [NUTSChain], density: TrajectoryDensity, options: TrajectoryOptions) -> Quantities {
    let t = density.yearCount
    let s = density.seriesCount
    let n = density.statementCount
    let total = chains.count * options.draws
    var logLevels = [Double](repeating: 0, count: total * t)
    var logBiases = [Double](repeating: 0, count: total * s)
    var tau = [Double](repeating: 0, count: total)
    var sigmaB = tau
    var omega = tau
    var logDensity = tau
    var mu = [Double](repeating: 0, count: n * total)
    var outlierSum = [Double](repeating: 0, count: n)
    var muRow = [Double](repeating: 0, count: n)
    var outlierRow = [Double](repeating: 0, count: n)
    var row = 0
    for chain in chains {
      for d in 0..<options.draws {
        logDensity[row] = chain.logDensity[d]
        let hyper = chain.draws.withUnsafeBufferPointer { theta in
          logLevels.withUnsafeMutableBufferPointer { levels in
            logBiases.withUnsafeMutableBufferPointer { biases in
              muRow.withUnsafeMutableBufferPointer { m in
                outlierRow.withUnsafeMutableBufferPointer { o in
                  guard let theta = theta.baseAddress, let levels = levels.baseAddress,
                    let biases = biases.baseAddress, let m = m.baseAddress, let o = o.baseAddress
                  else { return (tau: Double.nan, sigmaB: Double.nan, omega: Double.nan) }
                  return density.quantities(
                    theta + d * chain.dimension, logLevels: levels + row * t, biases: biases + row * s, mu: m,
                    outlier: o)
                }
              }
            }
          }
        }
        tau[row] = hyper.tau
        sigmaB[row] = hyper.sigmaB
        omega[row] = hyper.omega
        for i in 0..<n {
          mu[i * total + row] = muRow[i]
          outlierSum[i] += outlierRow[i]
        }
        row += 1
      }
    }
    let draws = TrajectoryDraws(
      chains: chains.count, drawsPerChain: options.draws, yearCount: t, seriesCount: s, logLevels: logLevels,
      logBiases: logBiases, tau: tau, sigmaB: sigmaB, omega: omega, logDensity: logDensity)
    return Quantities(draws: draws, mu: mu, outlierSum: outlierSum)
  }

  /// The fit's summaries and diagnostics from its draws. The years' (and the hyperparameters')
  /// diagnostics and summaries, and the statements' medians, `threads` at a time: on
  /// `mou_arrivals` (32 years) they were a sixth of a fit's CPU time, all of it after the
  /// chains, on one thread. Each quantity's numbers depend on its draws alone, so the result does
  /// not depend on `threads`.
  static func summarise(data: TrajectoryData, draws q: Quantities, chains: [NUTSChain], level: Double, threads: Int = 1)
    -> TrajectoryResult
  {
    let d = q.draws
    let total = d.count
    var years: [TrajectoryYearLevel] = []
    var rHat = -Double.infinity
    var bulk = Double.infinity
    var tail = Double.infinity
    // The split chains' normal scores, shared by every quantity's rank normalisation.
    let scores = PosteriorDiagnostics.normalScores(count: 2 * d.chains * (d.drawsPerChain / 2))
    // Per quantity (the years, then tau, sigmaB, omega): its diagnostics and, for a year, its
    // summary on the natural scale.
    let yearCount = data.years.count
    let work = yearCount + 3
    var diagnosed = [(rHat: Double, bulk: Double, tail: Double, level: PosteriorSummary?)](
      repeating: (.nan, .nan, .nan, nil), count: work)
    let chainCount = d.chains
    NUTS.inParallel(work, threads: threads, into: &diagnosed) { k in
      let values: [Double]
      switch k - yearCount {
      case 0: values = d.tau
      case 1: values = d.sigmaB
      case 2: values = d.omega
      default: values = d.logLevels(year: k)
      }
      let (r, b, e, sorted) = PosteriorDiagnostics.all(values, chains: chainCount, scores: scores)
      // The level's summary on the natural scale from the diagnostics' sort (exp keeps the order).
      let summary =
        k < yearCount
        ? PosteriorSummary(logDraws: values, sortedLogs: sorted, level: level) : nil
      return (r, b, e, summary)
    }
    for (k, one) in diagnosed.enumerated() {
      if !one.rHat.isNaN { rHat = max(rHat, one.rHat) }
      if !one.bulk.isNaN { bulk = min(bulk, one.bulk) }
      if !one.tail.isNaN { tail = min(tail, one.tail) }
      if k < yearCount, let summary = one.level {
        years.append(TrajectoryYearLevel(year: data.years[k], level: summary))
      }
    }
    let cut = log(TrajectorySeriesBias.flagFactor)
    var biases: [TrajectorySeriesBias] = []
    for (k, name) in data.series.enumerated() {
      let logs = (0..<total).map { d.logBiases[$0 * d.seriesCount + k] }
      let yardstick = biasYardstick(d, series: k, reference: data.reference)
      let contrast = (0..<total).map { logs[$0] - yardstick[$0] }
      let above = Double(contrast.filter { $0 > cut }.count) / Double(max(total, 1))
      let below = Double(contrast.filter { $0 < -cut }.count) / Double(max(total, 1))
      let isReference = k == data.reference
      let probability = isReference ? 0 : max(above, below)
      let flagged = probability >= TrajectorySeriesBias.flagThreshold
      let contrastSummary = PosteriorSummary(draws: contrast, level: level)
      biases.append(
        TrajectorySeriesBias(
          series: name, isReference: isReference, logBias: PosteriorSummary(draws: logs, level: level),
          factor: PosteriorSummary(draws: logs.map { exp($0) }, level: level),
          logContrast: contrastSummary, flagProbability: probability, flagged: flagged,
          verdict: isReference
            ? .reference
            : .of(
              flagged: flagged, low: contrastSummary.low, high: contrastSummary.high, seriesCount: data.series.count)))
    }
    var medians = [Double](repeating: .nan, count: data.statements.count)
    let mu = q.mu
    NUTS.inParallel(data.statements.count, threads: threads, into: &medians) { i in
      PosteriorDiagnostics.quantile(sorted: RadixSort.sorted(Array(mu[(i * total)..<(i * total + total)])), 0.5)
    }
    let statements = data.statements.enumerated().map { i, statement in
      TrajectoryStatementFit(
        id: statement.id, outlierProbability: q.outlierSum[i] / Double(total), fittedLogMedian: medians[i])
    }
    let convergence = TrajectoryConvergence(
      maxRHat: rHat == -.infinity ? .nan : rHat, minBulkESS: bulk == .infinity ? .nan : bulk,
      minTailESS: tail == .infinity ? .nan : tail, divergences: chains.reduce(0) { $0 + $1.divergences },
      maxTreeDepthHits: chains.reduce(0) { $0 + $1.maxTreeDepthHits }, stepSizes: chains.map(\.stepSize),
      leapfrogSteps: chains.reduce(0) { $0 + $1.leapfrogSteps })
    return TrajectoryResult(
      level: level, years: years, biases: biases, statements: statements,
      tau: PosteriorSummary(draws: d.tau, level: level), sigmaB: PosteriorSummary(draws: d.sigmaB, level: level),
      omega: PosteriorSummary(draws: d.omega, level: level), diagnostics: convergence,
      warnings: warnings(convergence, draws: total), draws: d)
  }

  /// Per draw, what series `series`' bias is compared with to flag it
  /// (`TrajectorySeriesBias.flagged`): 0 with a reference series (the biases are relative to
  /// it), else the median of the draw's biases over the other series (the mean of the middle two
  /// for an even count; a lone series is its own yardstick: contrast 0, never flagged). The other
  /// series only: with the series itself among them, one series stating three times what a
  /// second states would be judged against the mean of the two, half its own bias.
  static func biasYardstick(_ d: TrajectoryDraws, series: Int, reference: Int?) -> [Double] {
    let s = d.seriesCount
    var scratch: [Double] = []
    scratch.reserveCapacity(s)
    return (0..<d.count).map { i in
      yardstick(of: series, among: d.logBiases[(i * s)..<(i * s + s)], reference: reference, scratch: &scratch)
    }
  }

  /// One draw's yardstick for series `series` among `biases` (every series' log-bias, in order):
  /// 0 with a reference series, else the type-7 median of the other series' biases (the series
  /// itself for a lone series). `scratch` is working storage. The rule of
  /// `TrajectorySeriesBias.flagged`, also for the simulation's true contrasts.
  public static func yardstick(
    of series: Int, among biases: ArraySlice<Double>, reference: Int?, scratch: inout [Double]
  ) -> Double {
    guard reference == nil else { return 0 }
    guard biases.count > 1 else { return biases[biases.startIndex + series] }
    scratch.removeAll(keepingCapacity: true)
    for (k, b) in biases.enumerated() where k != series { scratch.append(b) }
    scratch.sort()  // a handful of values: sorted in place, no radix sort's tables per draw
    return PosteriorDiagnostics.quantile(sorted: scratch, 0.5)
  }

  /// The sentences a reader needs when R-hat > 1.01, bulk ESS < 400, or a transition diverged
  /// or reached the maximum tree depth.
  static func warnings(_ c: TrajectoryConvergence, draws: Int) -> [String] {
    var out: [String] = []
    if c.maxRHat.isNaN || c.maxRHat > 1.01 {
      out.append(
        "R-hat is \(rounded(c.maxRHat, 3)) (above 1.01): the chains disagree and the intervals are not reliable;"
          + " run more warmup and draws")
    }
    if c.minBulkESS.isNaN || c.minBulkESS < 400 {
      out.append(
        "the bulk effective sample size is \(rounded(c.minBulkESS, 0)) (below 400): medians and intervals are"
          + " imprecise; run more draws")
    }
    if c.divergences > 0 {
      out.append(
        "\(c.divergences) of \(draws) transitions diverged: the sampler may have missed part of the posterior")
    }
    if c.maxTreeDepthHits > 0 {
      out.append(
        "\(c.maxTreeDepthHits) of \(draws) transitions reached the maximum tree depth: sampling was inefficient")
    }
    return out
  }

  /// `x` rounded to `digits` decimals, for messages.
  static func rounded(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    let scale = pow(10, Double(digits))
    let r = (x * scale).rounded() / scale
    return digits == 0 && abs(r) < 1e15 ? "\(Int(r))" : "\(r)"
  }
}
