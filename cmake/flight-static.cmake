# SPDX-License-Identifier: Apache-2.0
# Included after project() by the flight build (tools/flight-build.sh: CMAKE_PROJECT_INCLUDE):
# prefer the static archives (.a) of the arm64 -dev packages; fall back to the shared object
# for test-only libraries Debian ships without one (cmocka), which only the unit tests link.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a .so)
# tools/flight-build.sh's own static cJSON lives in the build tree, outside the target roots;
# BOTH lets pkg-config's -L hint there count (the arm64 triplet directory still comes first
# for every other library, through CMAKE_LIBRARY_ARCHITECTURE).
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
