// Chart.js for report.html, embedded into the binary at build time from Debian's
// libjs-chart.js (installed by tools/install-deps.sh; the path comes from CMake). Nothing is
// vendored in this repository and nothing is fetched when a report is opened.

#ifndef SIGEX_CHARTJS_PATH
#error "SIGEX_CHARTJS_PATH must name chart.min.js (engine/exe/CMakeLists.txt finds it)"
#endif

__asm__(
    ".section .rodata\n"
    ".global sigex_chartjs_start\n"
    ".type sigex_chartjs_start, @object\n"
    "sigex_chartjs_start:\n"
    ".incbin \"" SIGEX_CHARTJS_PATH "\"\n"
    ".global sigex_chartjs_end\n"
    ".type sigex_chartjs_end, @object\n"
    "sigex_chartjs_end:\n"
    ".byte 0\n"
    ".previous\n");
