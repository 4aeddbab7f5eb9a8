def test_a_written_finding_is_listed_once_the_view_reaches_its_position(client, auth, issue, projector):
    finding = issue(title="账外资金")
    response = client.get(f"/api/v1/findings?q=账外&min_position={finding['position']}", headers=auth["auditor"])
    assert response.status_code == 200, response.get_json()
    assert [item["reference"] for item in response.get_json()["items"]] == [finding["reference"]]
    circular = client.get(
        f"/api/v1/circulars/weekly?min_position={finding['position']}&week=2026-W48", headers=auth["auditor"]
    )
    assert circular.status_code == 200, circular.get_json()
    assert circular.get_json()["totals"]["issued_this_week"] == 1
