def test_users_list_answers_depot_envelope(depot, admin_user):
    response = depot.get("users")
    assert response.status_code == 200
    body = response.json()
    assert body["error"] is False
    assert body["total"] == 1
    assert body["rows"][0]["id"] == "admin@studio.test"
