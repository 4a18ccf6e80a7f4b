import Foundation
import Testing

@testable import Figures

/// Parses `text` as a figures file named `path`.
func figures(_ text: String, path: String = "t.csv") throws(FiguresError) -> FiguresFile {
  try FiguresReader.parse(Array(text.utf8), path: path)
}

/// The compiler-style lines a figures file produces: errors when it fails, else warnings.
func messages(_ text: String, path: String = "t.csv") -> [String] {
  messages(bytes: Array(text.utf8), path: path)
}

/// As `messages(_:path:)`, for raw bytes.
func messages(bytes: [UInt8], path: String = "t.csv") -> [String] {
  do {
    return try FiguresReader.parse(bytes, path: path).warnings.map(\.description)
  } catch {
    return error.diagnostics.map(\.description)
  }
}

/// The compiler-style lines a generic CSV produces (empty when it parses).
func csvMessages(_ bytes: [UInt8], path: String = "t.csv") -> [String] {
  do {
    _ = try CSVReader.parse(bytes, path: path)
    return []
  } catch {
    return error.diagnostics.map(\.description)
  }
}
