import Figures

extension ColumnMap {
  /// The pass-through columns whose header name is `weight` in any case (as `ranges` reads a
  /// figure's weight from ``Figure/extra``), in order.
  var weight: [Int] { extraIndices.filter { names[$0].lowercased() == "weight" } }

  /// The columns that change how `ranges` reads a figure (`kind`, `scope`, `evidence`,
  /// `supersedes`): a file with any of them is not plain for `ranges`.
  var meaning: [Int] { [self[.kind], self[.scope], self[.evidence], self[.supersedes]].compactMap { $0 } }
}
