import Testing

@testable import Figures

@Suite("Terminal text: control, bidi and invisible characters shown escaped")
struct TerminalTextTests {
  @Test("ESC, OSC sequences, DEL, C1, tab and CR become \\u{HEX}; line feeds stay unless asked")
  func controls() {
    #expect(TerminalText.escape("a\u{1B}[2Jb") == "a\\u{1B}[2Jb")
    #expect(TerminalText.escape("\u{1B}]0;title\u{07}") == "\\u{1B}]0;title\\u{7}")
    #expect(TerminalText.escape("\u{1B}]52;c;aGk=\u{1B}\\") == "\\u{1B}]52;c;aGk=\\u{1B}\\")
    #expect(TerminalText.escape("x\u{7F}\u{85}\u{9B}y") == "x\\u{7F}\\u{85}\\u{9B}y")
    #expect(TerminalText.escape("a\tb\rc\nd") == "a\\u{9}b\\u{D}c\nd")
    #expect(TerminalText.escape("a\nb", keepingNewlines: false) == "a\\u{A}b")
  }

  @Test(
    "Bidirectional and invisible characters are shown",
    arguments: [
      0xAD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202E, 0x2060, 0x2064, 0x2066, 0x2069,
      0xFEFF,
    ] as [UInt32])
  func invisible(code: UInt32) throws {
    let scalar = try #require(Unicode.Scalar(code))
    let shown = TerminalText.escape("q\(Character(scalar))x")
    #expect(shown == "q\\u{\(String(code, radix: 16, uppercase: true))}x")
  }

  @Test("Printable text, accents, dashes and CJK are kept; escaping twice changes nothing")
  func kept() {
    for s in ["nk_in_china", "Sécurité — 10,000–300,000", "北朝鮮", "τ² I² ≈ ±", "a\\u{1B}b"] {
      #expect(TerminalText.escape(s) == s)
    }
    let once = TerminalText.escape("\u{1B}[31m\u{202E}x")
    #expect(TerminalText.escape(once) == once)
  }
}
