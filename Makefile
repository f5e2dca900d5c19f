# Makefile — thin wrapper around CMake.
#   make run    install what is missing, build a release build, run the demo
#   make test   build with AddressSanitizer + UndefinedBehaviorSanitizer, run ctest;
#               then a ThreadSanitizer build runs the multi-threaded tests
#   make build  release build only;  make clean  remove build trees
#   make bench-micro  Google Benchmark harness (bench/) into bench/results/micro.{json,md}
#   make bench  sluice vs DuckDB vs Polars on the suite queries (bench/compare)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE_DIR := build/release
TEST_DIR := build/asan
TSAN_DIR := build/tsan
# The tests that start threads, run again under ThreadSanitizer.
TSAN_TESTS := test_workers test_morsel test_parallel test_buffer test_profile test_assemble test_result_pass test_join_build test_agg_partition

.PHONY: all run test build deps venv clean format

all: build

deps:
	@bash scripts/install-deps.sh

$(RELEASE_DIR)/Makefile: CMakeLists.txt
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF

build: deps $(RELEASE_DIR)/Makefile
	cmake --build $(RELEASE_DIR) -j $(JOBS)

run: build
	@bash scripts/demo.sh $(RELEASE_DIR)/sluice

$(TEST_DIR)/Makefile: CMakeLists.txt
	cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=address,undefined

venv:
	@bash scripts/make-venv.sh

$(TSAN_DIR)/Makefile: CMakeLists.txt
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=thread

test: deps venv $(TEST_DIR)/Makefile $(TSAN_DIR)/Makefile
	cmake --build $(TEST_DIR) -j $(JOBS)
	cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS)
	cmake --build $(TSAN_DIR) -j $(JOBS) --target $(TSAN_TESTS)
	cd $(TSAN_DIR) && ctest --output-on-failure -j $(JOBS) -R '^($(subst $(eval) ,|,$(TSAN_TESTS)))$$'

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

# ---- benchmarks: one thread, results with the machine in bench/results/ ----
BENCH_DIR := build/bench
BENCH_MIN_TIME ?= 0.05
BENCH_REPS ?= 5
.PHONY: bench-micro
bench-micro: deps
	cmake -S . -B $(BENCH_DIR) -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_BENCH=ON
	cmake --build $(BENCH_DIR) -j $(JOBS) --target sluice_bench_micro
	mkdir -p bench/results
	$(BENCH_DIR)/bench/sluice_bench_micro --benchmark_min_time=$(BENCH_MIN_TIME) \
	    --benchmark_repetitions=$(BENCH_REPS) --benchmark_display_aggregates_only=true \
	    --benchmark_out=bench/results/micro.json --benchmark_out_format=json; rc=$$?; \
	python3 bench/summarize_micro.py bench/results/micro.json bench/results/micro.md || rc=1; \
	echo "bench/results/micro.json and micro.md written; exit status $$rc"; exit $$rc

# ---- sluice vs DuckDB vs Polars on the suite queries (bench/compare --help) ----
.PHONY: bench
bench: build venv
	.venv/bin/python bench/compare
