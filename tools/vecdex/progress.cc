// Terminal-only progress lines (see progress.h).
#include "progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace vecdex::cli {

bool Progress::enabled() {
  static const bool tty = ::isatty(STDERR_FILENO) == 1;
  return tty;
}

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), active_(enabled()) {
  if (active_) draw(0);
}

Progress::~Progress() { finish(); }

void Progress::update(size_t done) {
  if (!active_) return;
  auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  draw(done);
}

void Progress::draw(size_t done) {
  last_draw_ = std::chrono::steady_clock::now();
  int pct = total_ == 0 ? 100 : static_cast<int>(100.0 * static_cast<double>(done) / total_);
  std::fprintf(stderr, "\r%s: %3d%% (%zu/%zu)", label_.c_str(), pct, done, total_);
  std::fflush(stderr);
}

void Progress::finish() {
  if (!active_) return;
  draw(total_);
  std::fputc('\n', stderr);
  active_ = false;
}

void progress_note(const std::string& message) {
  if (!Progress::enabled()) return;
  std::fprintf(stderr, "%s\n", message.c_str());
}

}  // namespace vecdex::cli
