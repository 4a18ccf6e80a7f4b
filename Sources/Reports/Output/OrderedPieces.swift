import Dispatch
import Synchronization

/// Work items done on several workers and written in order: a worker claims the next item
/// (``claim()``), the writer takes the items' results in order (``take(_:)``), and at most
/// `window` items are claimed ahead of the writing, so memory follows a few items, never the
/// whole run. Used by `ranges` (one item per quantity) and `fit --by` (one per chunk of groups).
final class OrderedPieces<Piece: Sendable>: Sendable {
  private struct State {
    var next = 0
    var stopped = false
    var done: [Int: Result<Piece, any Error>] = [:]
  }
  private let count: Int
  private let window: Int
  private let state = Mutex(State())
  /// Signalled when an item is done.
  private let completed = DispatchSemaphore(value: 0)
  /// Signalled when the writer frees a place in the window.
  private let room: DispatchSemaphore

  init(count: Int, window: Int) {
    self.count = count
    self.window = window
    room = DispatchSemaphore(value: window)
  }

  /// The next item for a worker, or nil when there is none (or the run stopped).
  func claim() -> Int? {
    room.wait()
    let i: Int? = state.withLock { s in
      guard !s.stopped, s.next < count else { return nil }
      defer { s.next += 1 }
      return s.next
    }
    if i == nil { room.signal() }  // let the other workers see the end too
    return i
  }

  func complete(_ i: Int, _ piece: Result<Piece, any Error>) {
    state.withLock { $0.done[i] = piece }
    completed.signal()
  }

  /// The result of item `i`, waiting for it; items must be taken in order.
  func take(_ i: Int) -> Result<Piece, any Error> {
    while true {
      let piece: Result<Piece, any Error>? = state.withLock { s in
        s.done.removeValue(forKey: i)
      }
      if let piece {
        room.signal()
        return piece
      }
      completed.wait()
    }
  }

  /// No further items are handed out (the writer has stopped or finished).
  func stop() {
    state.withLock { $0.stopped = true }
    for _ in 0..<window { room.signal() }
  }
}
