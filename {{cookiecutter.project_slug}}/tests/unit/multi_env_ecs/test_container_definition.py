"""Container definitions: unprivileged, read-only, health-checked, logged; nginx made to listen
on the configured port and answer the health path."""

import json

import pytest

from lib.multi_env_ecs.container_definition import (
    APP_CONTAINER,
    NGINX_SERVER_BLOCK_VARIABLE,
    XRAY_CONTAINER,
    XRAY_DAEMON_PORT,
    ContainerSpec,
    app_container,
    container_definitions,
    image_name,
    is_nginx,
    nginx_command,
    nginx_server_block,
    private_ecr_repository,
    volume_name,
    writable_paths,
)

NGINX = "public.ecr.aws/nginx/nginx:stable"
CUSTOM = "ghcr.io/acme/shop@sha256:" + "a" * 64


def spec(image=NGINX, **changes):
    values = {
        "image": image,
        "port": 8080,
        "health_check_path": "/health",
        "log_group": "/aws/ecs/shop-web-dev",
        "region": "eu-west-1",
        "environment": {"ENVIRONMENT": "dev"},
    }
    return ContainerSpec(**{**values, **changes})


def environment(definition):
    return {item["name"]: item["value"] for item in definition["environment"]}


@pytest.mark.parametrize(
    ("image", "name"),
    [
        (NGINX, "nginx"),
        ("nginx", "nginx"),
        ("nginx:1.27-alpine", "nginx"),
        ("registry.local:5000/web/nginx@sha256:" + "b" * 64, "nginx"),
        (CUSTOM, "shop"),
        ("nginx-proxy", "nginx-proxy"),
    ],
)
def test_the_image_name_is_the_repositorys_last_part(image, name):
    assert image_name(image) == name
    assert is_nginx(image) is (name == "nginx")


def test_private_ecr_images_are_recognised_with_their_repository():
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.4.2"
    assert private_ecr_repository(image) == ("123456789012", "eu-west-1", "shop/web")
    assert private_ecr_repository(image.replace(":1.4.2", "@sha256:" + "c" * 64))[2] == "shop/web"
    assert private_ecr_repository(NGINX) is None


def test_the_container_runs_unprivileged_on_a_read_only_root():
    definition = app_container(spec())
    assert definition["name"] == APP_CONTAINER
    assert definition["essential"] is True
    assert definition["privileged"] is False
    assert definition["readonlyRootFilesystem"] is True
    assert definition["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]


def test_only_the_paths_it_must_write_are_writable_volumes():
    assert writable_paths(CUSTOM) == ("/tmp",)
    assert set(writable_paths(NGINX)) == {"/tmp", "/run", "/var/cache/nginx", "/etc/nginx/conf.d"}
    definition = app_container(spec())
    assert [m["containerPath"] for m in definition["mountPoints"]] == list(writable_paths(NGINX))
    for mount in definition["mountPoints"]:
        assert mount["sourceVolume"] == volume_name(mount["containerPath"])
    assert volume_name("/var/cache/nginx") == "var-cache-nginx"
    assert volume_name("/etc/nginx/conf.d") == "etc-nginx-conf-d"


def test_the_container_checks_its_own_health_on_the_health_path():
    health = app_container(spec(health_check_path="/ready"))["healthCheck"]
    assert health["command"] == [
        "CMD-SHELL",
        "curl -fsS http://localhost:8080/ready > /dev/null || exit 1",
    ]
    assert health["retries"] >= 1
    assert health["startPeriod"] > 0


def test_the_container_logs_to_its_log_group():
    logs = app_container(spec())["logConfiguration"]
    assert logs == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": "/aws/ecs/shop-web-dev",
            "awslogs-region": "eu-west-1",
            "awslogs-stream-prefix": APP_CONTAINER,
        },
    }


def test_nginx_is_told_to_listen_on_the_port_and_answer_the_health_path():
    definition = app_container(spec(port=9000, health_check_path="/live"))
    assert definition["command"] == nginx_command()
    assert "exec nginx -g 'daemon off;'" in definition["command"][-1]
    assert f'"${NGINX_SERVER_BLOCK_VARIABLE}"' in definition["command"][-1]
    server = environment(definition)[NGINX_SERVER_BLOCK_VARIABLE]
    assert server == nginx_server_block(9000, "/live")
    assert "listen 9000;" in server
    assert "location = /live {" in server
    assert "return 200 'ok';" in server


def test_another_image_keeps_its_own_command():
    definition = app_container(spec(CUSTOM))
    assert "command" not in definition
    assert NGINX_SERVER_BLOCK_VARIABLE not in environment(definition)
    assert [m["containerPath"] for m in definition["mountPoints"]] == ["/tmp"]


def test_the_environment_is_the_given_one_plus_the_port_in_order():
    values = environment(app_container(spec(CUSTOM, environment={"B": "2", "A": "1"})))
    assert values == {"A": "1", "B": "2", "PORT": "8080"}
    names = [item["name"] for item in app_container(spec(CUSTOM))["environment"]]
    assert names == sorted(names)


@pytest.mark.parametrize("enable_xray", [True, False])
def test_x_ray_adds_its_daemon_and_tells_the_service_where_it_is(enable_xray):
    containers = json.loads(container_definitions(spec(CUSTOM, enable_xray=enable_xray)))
    names = [container["name"] for container in containers]
    assert names == ([APP_CONTAINER, XRAY_CONTAINER] if enable_xray else [APP_CONTAINER])
    address = environment(containers[0]).get("AWS_XRAY_DAEMON_ADDRESS")
    assert address == (f"127.0.0.1:{XRAY_DAEMON_PORT}" if enable_xray else None)
    if enable_xray:
        daemon = containers[1]
        assert daemon["essential"] is False
        assert daemon["privileged"] is False
        assert daemon["readonlyRootFilesystem"] is True
        assert daemon["portMappings"] == [{"containerPort": XRAY_DAEMON_PORT, "protocol": "udp"}]
        assert daemon["logConfiguration"]["options"]["awslogs-stream-prefix"] == XRAY_CONTAINER
        assert environment(daemon) == {"AWS_REGION": "eu-west-1"}
