import Figures

extension ColumnMap {
  /// The pass-through columns whose header name is `weight` in any case (as `ranges` reads a
  /// figure's weight from ``Figure/extra``), in order.
  var weight: [Int] { extraIndices.filter { names[$0].lowercased() == "weight" } }
}
