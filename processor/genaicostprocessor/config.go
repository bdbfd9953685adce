package genaicostprocessor

// Config is the genai_cost configuration.
type Config struct {
	Conditions []string `mapstructure:"conditions"`
	_          struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error { return nil }
