import CScan

/// A plain CSV record split into its fields by the C scanner (`reconcile_split_plain`, 16
/// bytes at a time): the figures format's bytes are read here, in Figures, so that the
/// analyses above it take fields, not bytes.
package enum PlainRecord {
  /// Flags of a split field.
  package static let needsQuote: UInt8 = 1
  package static let inSide: UInt8 = 2
  /// Set by the scan on a quoted field holding `""` (cleared once it is unescaped).
  package static let escaped: UInt8 = 2

  /// Splits the record `b[start..<end]` into `bounds` (start and end per field; a quoted
  /// field's bounds are inside its quotes) and `flags` (`needsQuote` when a quoted field
  /// holds a comma or a quote; `inSide` when it held `""` and was unescaped to the end of
  /// `side`, its bounds then offset by `sideBase`); false when it is not plain or has not
  /// `count` fields. The scan is `reconcile_split_plain` (C, 16 bytes at a time).
  package static func split(
    _ b: UnsafePointer<UInt8>, _ start: Int, _ end: Int, bounds: UnsafeMutablePointer<Int>,
    flags: UnsafeMutablePointer<UInt8>, count: Int, side: inout [UInt8], sideBase: Int
  ) -> Bool {
    // The line end: LF, or CR LF.
    var stop = end
    if stop > start && b[stop - 1] == 0x0A { stop -= 1 }
    if stop > start && b[stop - 1] == 0x0D { stop -= 1 }
    let fields = reconcile_split_plain(b + start, stop - start, bounds, flags, count)
    guard fields == count else { return false }
    for field in 0..<count {
      bounds[2 * field] += start
      bounds[2 * field + 1] += start
      guard flags[field] & escaped != 0 else { continue }
      // "" read as ": the text goes to the side buffer.
      let at = side.count
      var j = bounds[2 * field]
      let to = bounds[2 * field + 1]
      while j < to {
        side.append(b[j])
        j += b[j] == 0x22 ? 2 : 1
      }
      bounds[2 * field] = sideBase + at
      bounds[2 * field + 1] = sideBase + side.count
      flags[field] = needsQuote | inSide
    }
    return true
  }
}
