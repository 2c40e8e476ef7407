# Installs the built gaitlens into a scratch prefix, then configures, builds and runs
# examples/find_package against it with find_package(gaitlens). Run by CTest:
#   cmake -DSOURCE_DIR=... -DBINARY_DIR=... -DCONFIG=Release -P find_package_test.cmake
set(prefix ${BINARY_DIR}/package_test/prefix)
set(example_build ${BINARY_DIR}/package_test/example)
file(REMOVE_RECURSE ${BINARY_DIR}/package_test)

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix} --config ${CONFIG}
                RESULT_VARIABLE result OUTPUT_QUIET)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${result})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/find_package -B ${example_build}
                  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "configuring the example against the installed package failed (${result})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${example_build} RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "building the example failed (${result})")
endif()
# The installed CLI writes a small clip; the example must read it through the installed library.
execute_process(COMMAND ${prefix}/bin/gaitlens demo -o ${example_build}/demo
                RESULT_VARIABLE result OUTPUT_QUIET)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "installed 'gaitlens demo' failed (${result})")
endif()
execute_process(COMMAND ${example_build}/probe_example ${example_build}/demo/synthetic_runner.mp4
                          ${example_build}/demo/synthetic_keypoints.csv
                RESULT_VARIABLE result OUTPUT_VARIABLE stdout)
if(NOT result EQUAL 0 OR NOT stdout MATCHES "360x640" OR NOT stdout MATCHES "240 frames of canonical")
  message(FATAL_ERROR "example gave exit ${result} and '${stdout}'")
endif()
# And reject a missing file with exit code 1 and gaitlens' error message.
execute_process(COMMAND ${example_build}/probe_example ${example_build}/no_such_video.mp4
                RESULT_VARIABLE result ERROR_VARIABLE stderr)
if(NOT result EQUAL 1 OR NOT stderr MATCHES "no such file")
  message(FATAL_ERROR "example did not report the missing file: exit ${result}, '${stderr}'")
endif()
message(STATUS "find_package(gaitlens) example built and ran against ${prefix}")
