"""Bug: `benchmark_speed --export` exported the accurate model inside the parent process.
Linux carries a parent's peak RSS into the children it starts, so every backend's peak
memory read as the exporter's (923 MB for the 204 MB fast int8 backend)."""

import subprocess

from medcoop.training import benchmark_speed


def test_export_runs_in_a_child_process_of_its_own(tmp_path, monkeypatch, tiny_bert):
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(benchmark_speed.subprocess, "run", fake_run)
    folder = benchmark_speed._int8_folder(str(tiny_bert), None, True, tmp_path, "accurate")
    assert folder == str(tmp_path / "accurate")
    assert len(calls) == 1 and calls[0][1:4] == ["-m", "medcoop.cli", "export"] and str(tiny_bert) in calls[0]
