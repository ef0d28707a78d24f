-- wrk script for benches/service_load.sh: POSTs one lead (JSON) per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"deal_id":"W-1","employees":250,"industry":"Software","country":"Germany",' ..
  '"job_seniority":"VP","webinar_attended":true,"pricing_page_visits":3,"demo_requested":true,' ..
  '"email_clicks":4,"lead_source":"Referral","channel":"Email","campaign":"Spring Launch",' ..
  '"deal_value":40000,"created_at":"2026-12-03T09:00:00Z"}'

function done(summary, latency, requests)
  io.write(string.format("requests/s %.0f  p50 %.0f us  p99 %.0f us  errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
