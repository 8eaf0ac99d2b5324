"""drf-spectacular hook: the path ids are typed (the URL patterns take any segment, see ``views.ApiView``)."""


def path_ids(result, generator, request, public):
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for p in operation.get("parameters", []):
                if p.get("in") != "path":
                    continue
                if p["name"] == "delivery_id":
                    p["schema"] = {"type": "string", "format": "uuid"}
                else:
                    p["schema"] = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    return result
