# shellcheck shell=bash
# Sourced by the tools that take a file out of a Python wheel: nothing is installed, the wheel is
# only unpacked.

# unpack_wheel DIR REQUIREMENT: the files of REQUIREMENT's wheel (no dependencies) under DIR.
unpack_wheel() {
    # uv, not pip: inside `uv run` the first python3 on PATH is the project's venv, which has no pip.
    local uv_cmd=("${UV:-}")
    [[ -n "${UV:-}" ]] || uv_cmd=(python3 -m uv)
    "${uv_cmd[@]}" pip install --quiet --no-deps --target "$1" "$2" >&2
}
