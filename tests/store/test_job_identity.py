"""Who a process is within its job, from the launchers' documented environment variables."""

from __future__ import annotations

from carbonest.store.runinfo import host_identity, job_identity, launcher


def test_torchrun() -> None:
    env = {"RANK": "5", "LOCAL_RANK": "1", "WORLD_SIZE": "8", "LOCAL_WORLD_SIZE": "4", "GROUP_RANK": "1",
           "GROUP_WORLD_SIZE": "2", "TORCHELASTIC_RUN_ID": "exp-3", "MASTER_ADDR": "10.0.0.1"}
    job = job_identity(env)
    assert (job["id"], job["launcher"], job["rank"], job["local_rank"], job["world_size"]) == ("exp-3", "torchrun", 5, 1, 8)
    assert (job["local_world_size"], job["node_rank"], job["num_nodes"]) == (4, 1, 2)


def test_torchrun_default_rdzv_id_names_no_job() -> None:
    assert job_identity({"LOCAL_RANK": "0", "TORCHELASTIC_RUN_ID": "none"})["id"] is None


def test_slurm_job_and_step() -> None:
    env = {"SLURM_JOB_ID": "123", "SLURM_STEP_ID": "2", "SLURM_PROCID": "9", "SLURM_LOCALID": "1",
           "SLURM_NODEID": "4", "SLURM_NTASKS": "16", "SLURM_JOB_NUM_NODES": "8", "SLURM_STEP_NUM_NODES": "4",
           "SLURM_JOB_PARTITION": "gpu", "SLURM_JOB_NODELIST": "gn[01-08]", "SLURM_STEP_NODELIST": "gn[01-04]"}
    job = job_identity(env)
    assert (job["id"], job["launcher"], job["rank"], job["local_rank"], job["node_rank"]) == ("123.2", "slurm", 9, 1, 4)
    assert (job["num_nodes"], job["world_size"], job["partition"], job["nodelist"]) == (4, 16, "gpu", "gn[01-04]")
    assert job["slurm_job_id"] == "123" and job["step"] == "2"


def test_slurm_batch_step_is_the_job_itself() -> None:
    job = job_identity({"SLURM_JOB_ID": "123", "SLURM_STEP_ID": "4294967294"})
    assert job["id"] == "123" and job["step"] is None


def test_torchrun_inside_srun_takes_torch_ranks_and_slurm_job() -> None:
    env = {"SLURM_JOB_ID": "55", "SLURM_PROCID": "1", "SLURM_LOCALID": "0", "RANK": "6", "LOCAL_RANK": "2",
           "TORCHELASTIC_RUN_ID": "x"}
    job = job_identity(env)
    assert (job["id"], job["launcher"], job["rank"], job["local_rank"]) == ("55", "slurm", 6, 2)


def test_open_mpi_and_pmix() -> None:
    env = {"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_LOCAL_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4",
           "OMPI_COMM_WORLD_LOCAL_SIZE": "2", "PMIX_RANK": "3", "PMIX_NAMESPACE": "prterun-h-1234@1"}
    job = job_identity(env)
    assert (job["id"], job["launcher"], job["rank"], job["local_rank"]) == ("prterun-h-1234@1", "mpi", 3, 1)
    assert (job["world_size"], job["local_world_size"]) == (4, 2)
    assert job_identity({"PMI_RANK": "7", "PMI_SIZE": "8"})["rank"] == 7


def test_overrides_and_nothing() -> None:
    assert host_identity({"CARBONEST_HOST": "posed-b"}) == "posed-b"
    assert host_identity({"CARBONEST_HOST": " "}) == host_identity({})
    assert job_identity({"CARBONEST_JOB_ID": "mine", "SLURM_JOB_ID": "1"})["id"] == "mine"
    plain = job_identity({})
    assert plain["id"] is None and launcher({}) is None and plain["rank"] is None
