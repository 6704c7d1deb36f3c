# Thin wrapper over CMake.  See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 5
CMAKE_FLAGS ?=

.PHONY: all deps check check-plain check-asan fuzz fuzz-short demo bench clean format

all: deps
	@cmake -S . -B $(BUILD) -DFP_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/deps

# Every test: plain build, then the whole suite again under ASan+UBSan,
# then a short bounded pass of every fuzzer.
check: deps check-plain check-asan fuzz-short

check-plain: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

check-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DFP_WERROR=ON -DFP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS) --timeout 900

$(FUZZ_BUILD)/fuzz/targets.txt: deps
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DFP_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz-short: $(FUZZ_BUILD)/fuzz/targets.txt
	@scripts/run-fuzzers $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Longer fuzzing: FUZZ_SECONDS per target (default 300).
fuzz: $(FUZZ_BUILD)/fuzz/targets.txt
	@scripts/run-fuzzers $(FUZZ_BUILD) $(if $(filter 5,$(FUZZ_SECONDS)),300,$(FUZZ_SECONDS))

demo: all
	@scripts/demo $(BUILD)

bench: all
	@scripts/bench $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
