// Runs bench/plot.py (with /usr/bin/python3) to draw a bench report as a recall-vs-QPS PNG.
#pragma once

#include <string>

#include "bench_report.h"
#include "vecdex/status.h"

namespace vecdex::cli {

// Draws `report` into `png`. `json_path` is the report already written by --json, or "" to
// write a temporary one (removed afterwards). plot.py is found via $VECDEX_PLOT_SCRIPT, the
// source tree the binary was built from, or ../../bench/plot.py next to the binary.
// FailedPrecondition when plot.py cannot be found; Internal when it fails.
Status plot_report(const BenchReport& report, const std::string& json_path,
                   const std::string& png);

}  // namespace vecdex::cli
