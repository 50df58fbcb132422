// Progress lines for long CLI phases. Drawn on stderr only when stderr is a terminal, so
// redirected output and test logs stay clean; otherwise every call is a no-op.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace vecdex::cli {

// "label: 42% (420/1000)" redrawn in place at most ~10 times a second; finish() ends the line.
// Not thread-safe: update from one thread.
class Progress {
 public:
  Progress(std::string label, size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(size_t done);
  void finish();

  // True when stderr is a terminal (progress is drawn).
  static bool enabled();

 private:
  void draw(size_t done);

  std::string label_;
  size_t total_;
  bool active_;
  std::chrono::steady_clock::time_point last_draw_;
};

// A one-line status message ("reading base.fvecs ...") on stderr, when enabled().
void progress_note(const std::string& message);

}  // namespace vecdex::cli
