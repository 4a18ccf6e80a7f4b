extension TrajectoryData {
  /// Checks that the data describe a model that can be evaluated: consecutive years, indices in
  /// range, positive finite standard deviations, finite logs, intervals with `low < high`, and
  /// priors in their domains.
  ///
  /// - Throws: `StatisticsError.invalidInput` naming the first problem found.
  public func validate() throws(StatisticsError) {
    guard let first = years.first else { throw .invalidInput("the trajectory has no years") }
    for (k, year) in years.enumerated() where year != first + k {
      throw .invalidInput(
        "the trajectory's years must be consecutive: year \(k + 1) is \(year), expected \(first + k)")
    }
    guard !series.isEmpty else { throw .invalidInput("the trajectory has no series") }
    guard !statements.isEmpty else { throw .invalidInput("the trajectory has no statements") }
    if let reference, !series.indices.contains(reference) {
      throw .invalidInput("reference series index \(reference) is out of range 0..<\(series.count)")
    }
    for statement in statements {
      try statement.validate(years: years.count, series: series.count, groups: groups.count)
    }
    try priors.validate()
  }
}

extension TrajectoryStatement {
  /// Checks one statement against the sizes of its data (see `TrajectoryData.validate()`).
  func validate(years: Int, series: Int, groups: Int) throws(StatisticsError) {
    let name = "statement '\(id)'"
    guard (0..<years).contains(year) else {
      throw .invalidInput("\(name): year index \(year) is out of range 0..<\(years)")
    }
    guard (0..<series).contains(self.series) else {
      throw .invalidInput("\(name): series index \(self.series) is out of range 0..<\(series)")
    }
    if let group, !(0..<groups).contains(group) {
      throw .invalidInput("\(name): evidence group index \(group) is out of range 0..<\(groups)")
    }
    guard sigma.isFinite, sigma > 0 else {
      throw .invalidInput("\(name): its standard deviation must be positive and finite, got \(sigma)")
    }
    switch kind {
    case .point, .lower, .upper:
      guard y.isFinite else { throw .invalidInput("\(name): its log value must be finite, got \(y)") }
    case .interval:
      guard low.isFinite, high.isFinite else {
        throw .invalidInput("\(name): its interval's ends must be finite, got \(low) and \(high)")
      }
      guard low < high else {
        throw .invalidInput("\(name): its interval's low end \(low) must be below its high end \(high)")
      }
    }
  }
}

extension TrajectoryPriors {
  /// Checks that every scale is positive and finite, the centre finite and the outlier
  /// probability strictly between 0 and 1.
  func validate() throws(StatisticsError) {
    guard levelCenter.isFinite else {
      throw .invalidInput("the prior's level centre must be finite, got \(levelCenter)")
    }
    let scales = [
      ("level scale", levelScale), ("smoothness scale", smoothnessScale), ("bias scale", biasScale),
      ("error scale", errorScale), ("outlier scale", outlierScale),
    ]
    for (name, value) in scales where !(value.isFinite && value > 0) {
      throw .invalidInput("the prior's \(name) must be positive and finite, got \(value)")
    }
    guard outlierProbability > 0, outlierProbability < 1 else {
      throw .invalidInput(
        "the prior's outlier probability must lie strictly between 0 and 1, got \(outlierProbability)")
    }
  }
}
