# SPDX-License-Identifier: Apache-2.0
# CMake toolchain file for the flight build (docs/flight.md): aarch64 Linux, Debian's cross
# toolchain (gcc-aarch64-linux-gnu) and the arm64 multiarch -dev packages
# (/usr/lib/aarch64-linux-gnu, headers in /usr/include and /usr/include/aarch64-linux-gnu).
# Used by tools/flight-build.sh (`make flight`); static linking is set there, not here, so the
# same file also builds ordinary dynamic aarch64 test programs.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_AR aarch64-linux-gnu-ar CACHE FILEPATH "")
set(CMAKE_RANLIB aarch64-linux-gnu-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP aarch64-linux-gnu-strip CACHE FILEPATH "")
# Debian multiarch: the target's libraries live beside the host's, in the triplet directory.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must see the arm64 .pc files only (never the host's); tools/flight-build.sh sets
# its own (a filtered view, its static cJSON first), which is kept.
if(NOT DEFINED ENV{PKG_CONFIG_LIBDIR})
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
endif()
# Programs built here run on this machine through qemu-user (tests, try_run).
find_program(AUS_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(AUS_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${AUS_QEMU_AARCH64})
endif()
