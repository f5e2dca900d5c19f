/*
 * shim.cc — the only C++ in sluice: registers every case of the C table
 * sli_bench_cases[] (bench/cases.c) with Google Benchmark and runs them.
 *
 * A case's setup runs once, on its first timed call, outside the timing;
 * when a case starts, the state of any earlier case is torn down so only one
 * data set is in memory at a time. A setup or run failure (for instance an
 * answer that differs from the one computed in C) is reported with
 * SkipWithError, so that case gets no time. Every case runs once per thread
 * count of the axis (1, 2, 4, ... and the CPU count; named "/threads:N"),
 * each time after one untimed run on that many threads (a warm-up that also
 * checks the answer there). Each run reports items (input rows) and bytes
 * (bytes of the columns read) as rates, and the kernel ISA as its label and
 * in the JSON context. The exit status is 1 when any case failed.
 */
#include <benchmark/benchmark.h>

#include <string>
#include <thread>
#include <vector>

#include "bench.h"

namespace
{

struct live_case {
    void *state = nullptr;
    bool set_up = false;
    std::string error;
};

std::vector<live_case> g_cases;
bool g_failed = false; /* some case reported an error: the exit status says so */

void release_others(size_t keep)
{
    for (size_t j = 0; j < g_cases.size(); j++) {
        if (j == keep || !g_cases[j].set_up) continue;
        if (g_cases[j].state) sli_bench_cases[j].teardown(g_cases[j].state);
        g_cases[j] = live_case();
    }
}

void run_case(benchmark::State &st, size_t i)
{
    const sli_bench_case &c = sli_bench_cases[i];
    live_case &l = g_cases[i];
    char err[SLI_BENCH_ERR_CAP] = "";
    if (!l.set_up) {
        release_others(i);
        l.state = c.setup(err, sizeof err);
        l.set_up = true;
        if (!l.state) l.error = err[0] ? err : "setup failed";
    }
    if (!l.state) {
        g_failed = true;
        st.SkipWithError(l.error.c_str());
        return;
    }
    const unsigned threads = static_cast<unsigned>(st.range(0));
    /* An untimed warm-up run, which also checks the answer on this many threads. */
    if (c.run(l.state, threads, err, sizeof err) != 0) {
        g_failed = true;
        st.SkipWithError(err);
        return;
    }
    for (auto _ : st) {
        if (c.run(l.state, threads, err, sizeof err) != 0) {
            g_failed = true;
            st.SkipWithError(err);
            break;
        }
    }
    st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * c.rows));
    st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * c.bytes));
    st.SetLabel(sli_bench_isa_name());
}

} // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("sluice_isa", sli_bench_isa_name());
    /* the thread axis: powers of two below the CPU count, then the CPU count */
    unsigned cpus = std::thread::hardware_concurrency();
    if (cpus == 0) cpus = 1;
    std::vector<int64_t> axis;
    for (unsigned t = 1; t < cpus; t *= 2) axis.push_back(t);
    axis.push_back(cpus);
    std::string axis_text;
    for (int64_t t : axis) axis_text += (axis_text.empty() ? "" : ",") + std::to_string(t);
    benchmark::AddCustomContext("sluice_threads", axis_text);
    benchmark::AddCustomContext("bandwidth_sum_isa", sli_bench_bandwidth_isa());
    g_cases.resize(sli_bench_case_count);
    for (size_t i = 0; i < sli_bench_case_count; i++) {
        auto *b = benchmark::RegisterBenchmark(sli_bench_cases[i].name,
                                               [i](benchmark::State &st) { run_case(st, i); });
        b->Unit(benchmark::kMillisecond)->UseRealTime()->ArgName("threads");
        for (int64_t t : axis) b->Arg(t);
    }
    benchmark::RunSpecifiedBenchmarks();
    release_others(sli_bench_case_count);
    benchmark::Shutdown();
    return g_failed ? 1 : 0;
}
