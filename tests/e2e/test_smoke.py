"""The dashboard loads in a real browser and shows its title without an exception."""

from playwright.sync_api import expect


def test_dashboard_loads(page, app_url, wait_for_app, assert_no_exception, screenshot):
    page.goto(app_url)
    wait_for_app(page)

    expect(page.get_by_role("heading", name="Optimizer Lab", level=1)).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "smoke")
