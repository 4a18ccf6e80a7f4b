import Figures
import Statistics

/// `reconcile trajectory`: one quantity's statements as the trajectory model's data
/// (`TrajectoryData`), its fit, and the outputs (issue #28).
///
/// A figure becomes a statement about the level of its period's year, through its kind, read
/// exactly as `ranges` reads it (``RangesAnalysis``, `RangePooling`): a point or "about" is
/// right within a factor of 2 at its coverage (90% unless stated); a range at coverage below 1
/// is a point at its centre (its stated centre, else its geometric midpoint) with the sd of the
/// range at its coverage (for a stated centre, a two-piece range, the mean of its two half-sds,
/// as `ranges` takes it where it needs one normal); a hard range (coverage 1) is an interval; an
/// "at least" or "at most" is a bound with a point's sd; words read through the verbal table
/// are the table's range, as a range.
public enum TrajectoryAnalysis {
  /// The most years a trajectory may span (`--from` to `--to`).
  public static let maxYears = 200
  /// The fewest draws per chain `--draws` accepts.
  public static let minDraws = 100
  /// The most draws per chain `--draws` accepts.
  public static let maxDraws = 100_000
  /// A statement whose outlier probability is above this is named as an outlier.
  public static let outlierThreshold = 0.5
  /// The fewest statements a trajectory needs, in at least ``minYears`` different years.
  public static let minStatements = 2
  /// The fewest different years the statements must cover.
  public static let minYears = 2
}

/// What `reconcile trajectory` was asked for.
public struct TrajectorySettings: Sendable, Equatable {
  /// The quantity.
  public var quantity: String
  /// The first year of the level (nil: the first statement's year).
  public var from: Int?
  /// The last year (nil: the last statement's year); past the data it projects.
  public var to: Int?
  /// The coverage of the biases' and the consensus' `low`–`high`.
  public var level: Double
  /// The seed of the sampler.
  public var seed: UInt64
  /// Kept draws per chain.
  public var draws: Int
  /// The year whose consensus is reported (nil: none).
  public var year: Int?
  /// The series whose bias is 0 (nil: biases of mean zero).
  public var reference: String?

  /// Creates settings with the command's defaults.
  public init(
    quantity: String, from: Int? = nil, to: Int? = nil, level: Double = 0.9, seed: UInt64 = 1, draws: Int = 1000,
    year: Int? = nil, reference: String? = nil
  ) {
    self.quantity = quantity
    self.from = from
    self.to = to
    self.level = level
    self.seed = seed
    self.draws = draws
    self.year = year
    self.reference = reference
  }
}

/// Where one statement of the trajectory came from.
public struct TrajectoryStatementSource: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// The calendar year it observes.
  public var year: Int
  /// Its series: the `series` column, else the source.
  public var series: String
  /// How the figure reads (`point`, `about`, `range`, `verbal`, `at_least`, `at_most`).
  public var reading: SourceKind
  /// Its `evidence` value ("" when none).
  public var evidence: String
  /// Where the figure is stated.
  public var location: SourceLocation
  /// Its centre on the natural scale (the bound, for a bound; the geometric midpoint of a hard
  /// range).
  public var center: Double
  /// The ends of a hard range (coverage 1), natural scale; nil otherwise.
  public var interval: (low: Double, high: Double)?
  /// What the figure states: its value (a point's, a bound's, a range's stated centre) and
  /// its ends (a verbal figure's from the verbal table), natural scale.
  public var stated: (value: Double?, low: Double?, high: Double?)

  public static func == (a: Self, b: Self) -> Bool {
    a.id == b.id && a.year == b.year && a.series == b.series && a.reading == b.reading && a.evidence == b.evidence
      && a.location == b.location && a.center == b.center && a.interval?.low == b.interval?.low
      && a.interval?.high == b.interval?.high && a.stated.value == b.stated.value && a.stated.low == b.stated.low
      && a.stated.high == b.stated.high
  }
}

/// A figure of the quantity that is not a statement of the trajectory, and why.
public struct TrajectoryLeftOut: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// Where it is stated.
  public var location: SourceLocation
  /// Why it is left out.
  public var reason: String
}

/// A quantity's figures as the trajectory model's data.
public struct TrajectoryInput: Sendable, Equatable {
  /// The quantity.
  public var quantity: String
  /// Its unit (the first figure's that states one).
  public var unit: String
  /// The files its figures came from, in order.
  public var paths: [String]
  /// The model's data: years `from`…`to`, statements, series, evidence groups, priors.
  public var data: TrajectoryData
  /// Per statement of `data`, in the same order: where it came from.
  public var sources: [TrajectoryStatementSource]
  /// The figures left out, in file order, with the reason.
  public var leftOut: [TrajectoryLeftOut]
  /// The year of the first statement.
  public var firstObserved: Int
  /// The year of the last statement.
  public var lastObserved: Int

  /// How many statements observe each year of `data.years`.
  public var statementsPerYear: [Int] {
    var counts = [Int](repeating: 0, count: data.years.count)
    for s in data.statements where counts.indices.contains(s.year) { counts[s.year] += 1 }
    return counts
  }
}

extension TrajectoryAnalysis {
  /// The trajectory data of `settings.quantity` in `files`.
  ///
  /// Every figure of the quantity becomes a statement (``statement(_:supersededBy:)``) or is
  /// left out with its reason: superseded, a restatement (`derived_from`), narrower `scope`, no
  /// period, a flow over part of a year or over several years, or a figure that has no reading
  /// on the log scale. Statements outside `--from`…`--to` are left out too. Years run from
  /// `--from` (default: the first statement's year) to `--to` (default: the last). Series are
  /// indexed in order of first appearance; an `evidence` value shared by two or more statements
  /// is one group. The priors are the defaults, centred at the median of the statements' logs
  /// (an interval counts by the midpoint of its logs).
  ///
  /// - Throws: `AnalysisError.unknownQuantity` (65) for a quantity not in the files;
  ///   `AnalysisError.usage` (64) for options the data rule out (``optionProblem(_:first:last:)``,
  ///   a `--reference` that is not a series); `AnalysisError.file` (65, naming the files) when
  ///   fewer than ``minStatements`` statements in ``minYears`` different years remain.
  public static func input(_ files: [FiguresFile], settings: TrajectorySettings) throws(AnalysisError)
    -> TrajectoryInput
  {
    let quantity = settings.quantity
    var order: [String] = []
    var seen = Set<String>()
    var figures: [Figure] = []
    var supersededBy: [String: String] = [:]
    for file in files {
      for f in file.figures {
        if seen.insert(f.quantity).inserted { order.append(f.quantity) }
        if f.quantity == quantity { figures.append(f) }
        for id in f.supersedes where supersededBy[id] == nil { supersededBy[id] = f.id }
      }
    }
    guard !figures.isEmpty else { throw .unknownQuantity(quantity, available: order) }
    var paths: [String] = []
    for f in figures where !paths.contains(f.location.path) { paths.append(f.location.path) }
    // Per figure, in file order: its statement, or why it is left out.
    var readings: [Result<StatementReading, LeftOutReason>] = figures.map { statement($0, supersededBy: supersededBy) }
    let observed = readings.compactMap { try? $0.get().year }
    if let first = observed.min(), let last = observed.max(),
      let problem = optionProblem(settings, first: first, last: last)
    {
      throw .usage(problem)
    }
    let from = settings.from ?? observed.min() ?? 0
    let to = settings.to ?? observed.max() ?? 0
    var inWindow: [(figure: Figure, read: StatementReading)] = []
    var leftOut: [TrajectoryLeftOut] = []
    for (k, f) in figures.enumerated() {
      if case .success(let read) = readings[k], read.year < from || read.year > to {
        readings[k] = .failure(LeftOutReason("its year \(read.year) is outside the trajectory's years \(from)–\(to)"))
      }
      switch readings[k] {
      case .success(let read): inWindow.append((f, read))
      case .failure(let why): leftOut.append(TrajectoryLeftOut(id: f.id, location: f.location, reason: why.reason))
      }
    }
    if let first = inWindow.first, let other = inWindow.first(where: { $0.read.measure != first.read.measure }) {
      throw .located(
        other.figure.location,
        "\(quantity): figure '\(other.figure.id)' is a \(other.read.measure.rawValue) and '\(first.figure.id)' a \(first.read.measure.rawValue); a trajectory follows levels (stocks) or yearly counts (flows), not both"
      )
    }
    let years = Set(inWindow.map(\.read.year))
    guard inWindow.count >= minStatements, years.count >= minYears, let firstIn = years.min(), let lastIn = years.max()
    else {
      throw .file(
        paths.joined(separator: ", "),
        "\(quantity): \(inWindow.count) statement\(inWindow.count == 1 ? "" : "s") in \(years.count) year\(years.count == 1 ? "" : "s")\(settings.from != nil || settings.to != nil ? " within \(from)–\(to)" : ""); a trajectory needs at least \(minStatements) statements in at least \(minYears) different years"
          + (leftOut.isEmpty
            ? ""
            : " (\(leftOut.count) figure\(leftOut.count == 1 ? " is" : "s are") left out: \(leftOut.prefix(3).map { "\($0.id): \($0.reason)" }.joined(separator: "; "))\(leftOut.count > 3 ? "; …" : ""))")
      )
    }
    return try assemble(
      quantity: quantity, figures: figures, paths: paths, statements: inWindow, leftOut: leftOut, from: from,
      to: to, reference: settings.reference, observed: (firstIn, lastIn))
  }

  /// The data of the statements kept: series and groups indexed, priors centred.
  static func assemble(
    quantity: String, figures: [Figure], paths: [String], statements: [(figure: Figure, read: StatementReading)],
    leftOut: [TrajectoryLeftOut], from: Int, to: Int, reference: String?, observed: (Int, Int)
  ) throws(AnalysisError) -> TrajectoryInput {
    var series: [String] = []
    var seriesIndex: [String: Int] = [:]
    var evidenceCount: [String: Int] = [:]
    for s in statements {
      if seriesIndex[s.read.series] == nil {
        seriesIndex[s.read.series] = series.count
        series.append(s.read.series)
      }
      if !s.figure.evidence.isEmpty { evidenceCount[s.figure.evidence, default: 0] += 1 }
    }
    var groups: [String] = []
    var groupIndex: [String: Int] = [:]
    var out: [TrajectoryStatement] = []
    var sources: [TrajectoryStatementSource] = []
    for s in statements {
      let e = s.figure.evidence
      var group: Int?
      if !e.isEmpty, evidenceCount[e, default: 0] >= 2 {
        if groupIndex[e] == nil {
          groupIndex[e] = groups.count
          groups.append(e)
        }
        group = groupIndex[e]
      }
      var t = s.read.statement
      t.year = s.read.year - from
      t.series = seriesIndex[s.read.series] ?? 0
      t.group = group
      out.append(t)
      sources.append(
        TrajectoryStatementSource(
          id: s.figure.id, year: s.read.year, series: s.read.series, reading: s.read.reading, evidence: e,
          location: s.figure.location, center: s.read.center, interval: s.read.interval, stated: s.read.stated))
    }
    var referenceIndex: Int?
    if let reference {
      guard let k = seriesIndex[reference] else {
        throw .usage(
          "--reference '\(reference)' is not a series of \(quantity)'s statements; \(NearestNames.suggestion(for: reference, among: series, kind: "series"))"
        )
      }
      referenceIndex = k
    }
    let logs = out.map { $0.kind == .interval ? ($0.low + $0.high) / 2 : $0.y }.sorted()
    let n = logs.count
    let center = n % 2 == 1 ? logs[n / 2] : (logs[n / 2 - 1] + logs[n / 2]) / 2
    let data = TrajectoryData(
      years: Array(from...to), statements: out, series: series, groups: groups, reference: referenceIndex,
      priors: TrajectoryPriors(levelCenter: center))
    return TrajectoryInput(
      quantity: quantity, unit: figures.first(where: { !$0.unit.isEmpty })?.unit ?? "", paths: paths, data: data,
      sources: sources, leftOut: leftOut, firstObserved: observed.0, lastObserved: observed.1)
  }

  /// Why the options cannot be used with statements from `first` to `last` (nil when they
  /// can): `--to` before `--from`, a span over ``maxYears``, `--year` outside the years.
  /// (``optionSyntaxProblem(_:)`` checks what needs no data.)
  public static func optionProblem(_ s: TrajectorySettings, first: Int, last: Int) -> String? {
    let from = s.from ?? first
    let to = s.to ?? last
    guard to >= from else {
      return s.to != nil && s.from != nil
        ? "--to \(to) is before --from \(from)"
        : s.to != nil
          ? "--to \(to) is before \(from), the first year of \(s.quantity)'s statements (give --from too)"
          : "--from \(from) is after \(to), the last year of \(s.quantity)'s statements (give --to too)"
    }
    guard let span = yearsSpanned(from, to), span <= maxYears else {
      return
        "the trajectory would span \(from)–\(to), \(yearsSpanned(from, to).map(String.init) ?? "too many") years; at most \(maxYears) (narrow it with --from and --to)"
    }
    if let year = s.year, year < from || year > to {
      return "--year \(year) is outside the trajectory's years \(from)–\(to) (extend them with --from or --to)"
    }
    return nil
  }

  /// The number of years from `from` to `to` (`to` ≥ `from`), nil when it overflows an `Int`
  /// (`--from` and `--to` are the user's numbers).
  static func yearsSpanned(_ from: Int, _ to: Int) -> Int? {
    let (d, o) = to.subtractingReportingOverflow(from)
    return o || d == Int.max ? nil : d + 1
  }

  /// Why the options are unusable whatever the data (nil when they are not): `--level` outside
  /// (0, 1), `--draws` outside ``minDraws``…``maxDraws``, `--to` before `--from` or a span
  /// over ``maxYears`` when both are given, an empty `--reference`.
  public static func optionSyntaxProblem(_ s: TrajectorySettings) -> String? {
    guard s.level > 0 && s.level < 1 else { return "--level must be between 0 and 1 (exclusive), got \(s.level)" }
    guard (minDraws...maxDraws).contains(s.draws) else {
      return "--draws must be between \(minDraws) and \(maxDraws) per chain, got \(s.draws)"
    }
    if let from = s.from, let to = s.to {
      if to < from { return "--to \(to) is before --from \(from)" }
      guard let span = yearsSpanned(from, to), span <= maxYears else {
        return
          "--from \(from) --to \(to) spans \(yearsSpanned(from, to).map(String.init) ?? "too many") years; at most \(maxYears)"
      }
      if let year = s.year, year < from || year > to {
        return "--year \(year) is outside --from \(from) --to \(to)"
      }
    }
    if let r = s.reference, r.isEmpty { return "--reference must name a series" }
    return nil
  }
}
