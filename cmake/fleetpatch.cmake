# Helpers shared by every CMakeLists.txt of the project.

set(FP_TEST_DATA ${CMAKE_SOURCE_DIR}/tests/data)
# Copies of ../shared/data kept in the tree: a clean clone needs nothing
# beside it (tests/data/shared/README.md).
set(FP_SHARED_DATA ${CMAKE_SOURCE_DIR}/tests/data/shared)

# fp_add_program(NAME SOURCES... [LIBS ...]): a binary into build/bin.
function(fp_add_program name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE fpcore ${A_LIBS})
endfunction()

# fp_add_unit_test(NAME SOURCES... [LIBS ...] [ARGS ...] [LABELS ...])
# A cmocka test linked with libfleetpatch, registered with ctest.
function(fp_add_unit_test name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS;ARGS;LABELS" ${ARGN})
  if(NOT CMOCKA_FOUND)
    message(FATAL_ERROR "cmocka is required for tests (scripts/deps)")
  endif()
  add_executable(${name} ${A_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                        ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE fpcore PkgConfig::CMOCKA ${A_LIBS})
  target_compile_definitions(${name} PRIVATE
    FP_TEST_DATA="${FP_TEST_DATA}" FP_SHARED_DATA="${FP_SHARED_DATA}"
    FP_SOURCE_DIR="${CMAKE_SOURCE_DIR}" FP_BIN_DIR="${CMAKE_BINARY_DIR}/bin")
  add_test(NAME ${name} COMMAND ${name} ${A_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${A_LABELS}")
endfunction()

# fp_add_script_test(NAME SCRIPT [ARGS ...] [LABELS ...] [TIMEOUT s])
# An integration test driving the real binaries; gets FP_BIN_DIR, FP_SOURCE_DIR,
# FP_TEST_DATA and FP_SHARED_DATA in its environment.
function(fp_add_script_test name)
  cmake_parse_arguments(A "" "SCRIPT;TIMEOUT" "ARGS;LABELS" ${ARGN})
  add_test(NAME ${name} COMMAND ${A_SCRIPT} ${A_ARGS})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "integration;${A_LABELS}"
    TIMEOUT ${A_TIMEOUT}
    ENVIRONMENT "FP_BIN_DIR=${CMAKE_BINARY_DIR}/bin;FP_SOURCE_DIR=${CMAKE_SOURCE_DIR};FP_TEST_DATA=${FP_TEST_DATA};FP_SHARED_DATA=${FP_SHARED_DATA};FP_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# fp_add_fuzz_target(NAME SOURCES... CORPUS dir [LIBS ...])
# SOURCES define LLVMFuzzerTestOneInput().  Always builds a replay binary
# that ctest runs over the seed corpus; with FP_FUZZ it also builds the
# libFuzzer binary <name> into build/fuzz/.
function(fp_add_fuzz_target name)
  cmake_parse_arguments(A "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  add_executable(${name}_replay ${A_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
  set_target_properties(${name}_replay PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                        ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name}_replay PRIVATE fpcore ${A_LIBS})
  add_test(NAME ${name}_corpus COMMAND ${name}_replay ${A_CORPUS})
  set_tests_properties(${name}_corpus PROPERTIES LABELS "fuzz")
  if(FP_FUZZ)
    add_executable(${name} ${A_SOURCES})
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                          ${CMAKE_BINARY_DIR}/fuzz)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE fpcore ${A_LIBS})
    set_property(GLOBAL APPEND PROPERTY FP_FUZZERS "${name}:${A_CORPUS}")
  endif()
endfunction()
