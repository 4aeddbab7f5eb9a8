def test_issued_finding_can_be_read_back(client, auth, issue):
    finding = issue()
    response = client.get(f"/api/v1/findings/{finding['id']}", headers=auth["auditor"])
    assert response.status_code == 200
    assert response.get_json()["reference"] == finding["reference"]
    assert response.headers["ETag"] == '"1"'
