"""The local AWS: moto_server, with what moto's ElastiCache lacks and
modeshift's workflows rely on filled in as AWS documents it.

    .venv/bin/python emulator/moto_server.py -H 127.0.0.1 -p 5000

moto 5.2 keeps a deleted replication group in "deleting" for ever and takes
no final snapshot of it, and has no IncreaseReplicaCount or
DecreaseReplicaCount. Here, as on AWS:

- DeleteReplicationGroup with FinalSnapshotIdentifier keeps a snapshot of
  that name, and the group is gone once deleted (at once: moto has no time);
- IncreaseReplicaCount and DecreaseReplicaCount set the number of replicas
  of a group with cluster mode off, as NewReplicaCount says;
- DeleteCacheSubnetGroup deletes the group (CacheSubnetGroupNotFoundFault
  when there is none).

And one of moto's RDS: it names an instance's automated backup by the minute
(`rds:<instance>-<yyyy-mm-dd-hh-mm>`) and refuses to create an instance whose
first backup's name is taken, as it is when an instance of the same name was
deleted with its automated backups kept in that minute (a production down,
then a restore from its final snapshot). AWS keeps both; here the new
instance's backup is the one already there.

And one of moto's Route 53: a change batch that deletes a record and creates
it again (a TTL that changes in development's delete-and-create writes) is
checked against the zone as it was before the batch, so the create is refused
as a duplicate. AWS applies a batch's changes in order; here the deletes go
first.

And moto's ECS runs no containers: a task RunTask starts is STOPPED as
soon as it is described, with exit code 0. Here its container exits as the
command it was given says, without running it: `exit N` (alone or as the
last word of `sh -c "…"`) exits N, `false` exits 1, anything else 0, with
the stop reason ECS gives an essential container that exits. That is how a
failing migration is tried on the local AWS. (moto also adds up the
containers' memory to place a task, and fails when a container has none, as
on Fargate, where the task is sized: such a container counts as 0; and an
awsvpc task reads its network interface's private DNS name, which moto's
interfaces lack: it is `ip-<address>.ec2.internal`, as in us-east-1.)

And one of moto's ECS services: CreateService drops enableExecuteCommand
(UpdateService keeps it), so DescribeServices did not report whether ECS
Exec is on. Here CreateService keeps it, and a service reports false until
it is turned on, as on AWS. (moto has no ExecuteCommand: `modeshift exec`
says so.)

And one of moto's Cloud Map: it refuses a second private DNS namespace in
a VPC whatever its name. AWS refuses only a name that conflicts with one
already there (the same, or one inside the other); environments in a shared
network each have a namespace of their own in its VPC. Here so does moto.

And one of moto's Elastic Load Balancing: ModifyListener with Certificates
replaces all of an HTTPS listener's certificates with that one (moto's own
code says the result is wrong). AWS changes only the default certificate and
keeps those added with AddListenerCertificates, which a shared load balancer
serves its environments' hosts with. Here so does moto.

And one of moto's DynamoDB: its server answers requests on several threads,
and a conditional write reads the item, checks the condition and writes it
without a lock, so two writes at once can both pass a condition only one of
them should (a lease taken twice). DynamoDB applies each write atomically;
here the writes of one server take turns.

And three, for speed only. moto's server lists moto's package folder on disk
for every request to find the service it names (the answer never changes
while it runs: here it is listed once), and logs every request (here only
warnings and errors are printed). And moto makes a new 2048-bit RSA key for
every certificate ACM issues, and parses it again on each read: here the
keys of one size are one key, made once, and each is parsed once (no one
connects with them). Together they took about a fifth of the server's time in a deploy.

Everything else is moto's own. Other programs may import this module for
the same fixes (`import moto_server` with emulator/ on the path).
"""

import copy
import logging
import threading
import sys

import re
import shlex

from functools import lru_cache

from moto import backends
from moto.acm import models as acm_models
from moto.core.responses import ActionResult
from moto.dynamodb.responses import DynamoHandler
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ecs.models import EC2ContainerServiceBackend, Service
from moto.elbv2.models import ELBv2Backend
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elasticache.exceptions import CacheSubnetGroupNotFound, ReplicationGroupNotFound
from moto.elasticache.responses import ElastiCacheResponse
from moto.rds.models import RDSBackend
from moto.route53.models import Route53Backend
from moto.servicediscovery.exceptions import ConflictingDomainExists
from moto.servicediscovery.models import ServiceDiscoveryBackend


def _delete_replication_group(self):
    group_id = self._get_param("ReplicationGroupId")
    final_snapshot = self._get_param("FinalSnapshotIdentifier")
    backend = self.elasticache_backend
    if final_snapshot:
        backend.create_snapshot(
            snapshot_name=final_snapshot,
            replication_group_id=group_id,
            cache_cluster_id=None,
            kms_key_id=None,
            tags=[],
        )
    group = backend.delete_replication_group(
        replication_group_id=group_id,
        retain_primary_cluster=self._get_bool_param("RetainPrimaryCluster"),
    )
    backend.replication_groups.pop(group_id, None)
    return ActionResult({"ReplicationGroup": group})


def _set_replica_count(self):
    group_id = self._get_param("ReplicationGroupId")
    count = self._get_int_param("NewReplicaCount")
    backend = self.elasticache_backend
    if group_id not in backend.replication_groups:
        raise ReplicationGroupNotFound(group_id)
    group = backend.replication_groups[group_id]
    node_group = group.node_groups[0]
    members = node_group["node_group_members"]
    primary, replicas = members[0], members[1:]
    domain = primary["read_endpoint"]["address"].split(".", 1)[1]
    while len(replicas) < count:
        replica = copy.deepcopy(primary)
        cluster_id = f"{group_id}-{len(replicas) + 2:0>3}"
        replica["cache_cluster_id"] = cluster_id
        replica["read_endpoint"]["address"] = f"{cluster_id}.{domain}"
        replica["preferred_availability_zone"] = "us-east-1b"
        replica["current_role"] = "replica"
        replicas.append(replica)
        group.member_clusters.append(cluster_id)
    while len(replicas) > count:
        removed = replicas.pop()
        if removed["cache_cluster_id"] in group.member_clusters:
            group.member_clusters.remove(removed["cache_cluster_id"])
    node_group["node_group_members"] = [primary, *replicas]
    return ActionResult({"ReplicationGroup": group})


def _delete_cache_subnet_group(self):
    name = self._get_param("CacheSubnetGroupName")
    groups = self.elasticache_backend.cache_subnet_groups
    if name not in groups:
        raise CacheSubnetGroupNotFound(name)
    del groups[name]
    return ActionResult({})


_create_auto_snapshot = RDSBackend.create_auto_snapshot


def _create_auto_snapshot_once(self, db_instance_identifier, db_snapshot_identifier):
    existing = self.database_snapshots.get(db_snapshot_identifier)
    if existing is not None:
        return existing
    return _create_auto_snapshot(self, db_instance_identifier, db_snapshot_identifier)


RDSBackend.create_auto_snapshot = _create_auto_snapshot_once

_change_resource_record_sets = Route53Backend.change_resource_record_sets


def _change_resource_record_sets_in_order(self, zoneid, change_list):
    deletes = [change for change in change_list if change["Action"] == "DELETE"]
    others = [change for change in change_list if change["Action"] != "DELETE"]
    if deletes and others:
        _change_resource_record_sets(self, zoneid, deletes)
        return _change_resource_record_sets(self, zoneid, others)
    return _change_resource_record_sets(self, zoneid, change_list)


Route53Backend.change_resource_record_sets = _change_resource_record_sets_in_order

_run_task = EC2ContainerServiceBackend.run_task
_resource_requirements = EC2ContainerServiceBackend._calculate_task_resource_requirements


def _resource_requirements_without_container_memory(task_definition):
    # Fargate sizes the task, not its containers: moto adds up the containers' memory and fails on none.
    sized = copy.copy(task_definition)
    sized.container_definitions = [
        definition
        if any(key in definition for key in ("Memory", "MemoryReservation", "memory", "memoryReservation"))
        else {**definition, "memory": 0}
        for definition in task_definition.container_definitions
    ]
    return _resource_requirements(sized)


# moto's Task reads its network interface's private DNS name, which moto's NetworkInterface lacks.
NetworkInterface.private_dns_name = property(
    lambda self: self.__dict__.get("_private_dns_name")
    or f"ip-{(self.private_ip_address or '0.0.0.0').replace('.', '-')}.ec2.internal",
    lambda self, value: self.__dict__.__setitem__("_private_dns_name", value),
)
EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(
    _resource_requirements_without_container_memory
)


def emulated_exit_code(command):
    """The exit code a container with this command is taken to exit with (it is not run)."""
    words = list(command or [])
    if len(words) >= 3 and words[-2] == "-c":
        try:
            words = shlex.split(words[-1].split(";")[-1].split("&&")[-1])
        except ValueError:
            return 0
    if words == ["false"]:
        return 1
    if len(words) == 2 and words[0] == "exit" and re.fullmatch(r"\d{1,3}", words[1]):
        return int(words[1]) % 256
    return 0


def _run_task_to_exit(self, *args, **kwargs):
    tasks = _run_task(self, *args, **kwargs)
    for task in tasks:
        overrides = (task.overrides or {}).get("containerOverrides") or [{}]
        for container in task.containers:
            override = next((o for o in overrides if o.get("name") == container.name), {})
            container.exitCode = emulated_exit_code(override.get("command") or container.command)
            container.last_status = "STOPPED"
        task.stopped_reason = "Essential container in task exited"
        task.desired_status = "STOPPED"
    return tasks


EC2ContainerServiceBackend.run_task = _run_task_to_exit

# AWS reports enableExecuteCommand on every service, false unless it was turned on.
Service.enable_execute_command = False
_create_service = EC2ContainerServiceResponse.create_service


def _create_service_keeping_execute_command(self):
    result = _create_service(self)
    result.result["service"].enable_execute_command = self._get_bool_param("enableExecuteCommand", False)
    return result


_create_private_dns_namespace = ServiceDiscoveryBackend.create_private_dns_namespace


def _domains_conflict(one, other):
    one, other = one.rstrip(".").lower(), other.rstrip(".").lower()
    return one == other or one.endswith("." + other) or other.endswith("." + one)


def _create_private_dns_namespace_by_name(self, name, creator_request_id, description, vpc, tags, properties):
    in_vpc = [namespace for namespace in self.namespaces.values() if namespace.vpc == vpc]
    if any(_domains_conflict(namespace.name, name) for namespace in in_vpc):
        raise ConflictingDomainExists(vpc)
    # moto's own check refuses any namespace in the VPC: the others are out of its sight while it runs.
    for namespace in in_vpc:
        namespace.vpc = None
    try:
        return _create_private_dns_namespace(self, name, creator_request_id, description, vpc, tags, properties)
    finally:
        for namespace in in_vpc:
            namespace.vpc = vpc


ServiceDiscoveryBackend.create_private_dns_namespace = _create_private_dns_namespace_by_name

_modify_listener = ELBv2Backend.modify_listener


def _modify_listener_keeping_certificates(self, arn, *args, **kwargs):
    listener = self.describe_listeners(load_balancer_arn=None, listener_arns=[arn])[0]
    before = list(listener.certificates or [])
    result = _modify_listener(self, arn, *args, **kwargs)
    after = list(listener.certificates or [])
    if after and after != before:
        default = after[0]
        listener.certificates = [default] + [arn for arn in before[1:] if arn != default]
    return result


ELBv2Backend.modify_listener = _modify_listener_keeping_certificates

_dynamodb_writes = threading.Lock()


def _one_write_at_a_time(write):
    def atomic(self):
        with _dynamodb_writes:
            return write(self)

    return atomic


for _write in ("put_item", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoHandler, _write, _one_write_at_a_time(getattr(DynamoHandler, _write)))

_MOTO_MODULES = tuple(backends.list_of_moto_modules())


def _list_of_moto_modules_once():
    return _MOTO_MODULES


backends.list_of_moto_modules = _list_of_moto_modules_once
logging.getLogger("werkzeug").setLevel(logging.WARNING)

_rsa = acm_models.cryptography.hazmat.primitives.asymmetric.rsa
_rsa.generate_private_key = lru_cache(maxsize=None)(_rsa.generate_private_key)
_validate_pk = acm_models.CertBundle.validate_pk
_load_private_key = lru_cache(maxsize=None)(
    lambda key: acm_models.serialization.load_pem_private_key(key, password=None)
)


def _validate_pk_once(self):
    try:
        return _load_private_key(self.key)
    except Exception:
        return _validate_pk(self)  # moto's own error for a key that is not one


acm_models.CertBundle.validate_pk = _validate_pk_once

EC2ContainerServiceResponse.create_service = _create_service_keeping_execute_command
ElastiCacheResponse.delete_replication_group = _delete_replication_group
ElastiCacheResponse.delete_cache_subnet_group = _delete_cache_subnet_group
ElastiCacheResponse.increase_replica_count = _set_replica_count
ElastiCacheResponse.decrease_replica_count = _set_replica_count

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
