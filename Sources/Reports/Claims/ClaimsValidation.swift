import Figures

extension ClaimsAnalysis {
  /// Checks claims files without evaluating their claims, as `reconcile validate` does: their
  /// structure, their formulas and the figure ids they name, against the figures files given
  /// (or, with none, those beside each claims file, as ``load(paths:)``).
  ///
  /// - Parameters:
  ///   - claims: the claims files.
  ///   - figures: the figures files the claims are checked against (already validated; their
  ///     warnings are not returned again).
  /// - Returns: the claims files read, in order.
  /// - Throws: `FiguresError.invalid` with every error diagnostic (a formula that does not
  ///   parse, an unknown figure id), or the error of a file that cannot be read.
  public static func validate(claims: [String], figures: [String]) throws(FiguresError) -> [ClaimsFile] {
    let loaded = try load(paths: claims + figures)
    let checked = run(claims: loaded.claims, figures: loaded.figures)
    let errors = checked.diagnostics.filter { $0.severity == .error }
    if !errors.isEmpty { throw FiguresError.invalid(errors) }
    return loaded.claims
  }

  /// The line `reconcile validate` prints for a valid claims file, with a line end.
  public static func okLine(_ file: ClaimsFile) -> String {
    "\(file.path): ok — \(file.claims.count) claims (run `reconcile check` to evaluate them)\n"
  }
}
