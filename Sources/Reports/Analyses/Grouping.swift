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

/// Rows bucketed by group with a counting sort: group g's rows are
/// `order[starts[g]..<starts[g + 1]]`, in file order (two flat arrays, not an array per group).
func groupRuns(_ groupOfRow: [Int], groupCount: Int) -> (starts: [Int], order: [Int]) {
  var starts = [Int](repeating: 0, count: groupCount + 1)
  for g in groupOfRow { starts[g + 1] += 1 }
  for g in 0..<groupCount { starts[g + 1] += starts[g] }
  var order = [Int](repeating: 0, count: groupOfRow.count)
  var fill = starts
  for (i, g) in groupOfRow.enumerated() {
    order[fill[g]] = i
    fill[g] += 1
  }
  return (starts, order)
}
