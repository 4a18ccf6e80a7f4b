import Figures

/// The rows of `table` grouped by the value of column `by`, groups in order of first
/// appearance (the `--by` rule of the contract); without `by`, one group of every row.
///
/// - Throws: `FiguresError` when the column cannot be read.
func groupRows(_ table: CSVTable, by: String?) throws(FiguresError) -> [(String?, [Int])] {
  guard let by else { return [(nil, Array(table.records.indices))] }
  var groups: [(String?, [Int])] = []
  var index: [String: Int] = [:]
  for (i, g) in try table.strings(column: by).enumerated() {
    if let k = index[g] {
      groups[k].1.append(i)
    } else {
      index[g] = groups.count
      groups.append((g, [i]))
    }
  }
  return groups
}
