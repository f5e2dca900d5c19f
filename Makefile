# Makefile — thin wrapper around CMake.
#   make run    install what is missing, build a release build, run the demo
#   make test   build with AddressSanitizer + UndefinedBehaviorSanitizer, run ctest
#   make build  release build only;  make clean  remove build trees
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE_DIR := build/release
TEST_DIR := build/asan

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

test: deps venv $(TEST_DIR)/Makefile
	cmake --build $(TEST_DIR) -j $(JOBS)
	cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
